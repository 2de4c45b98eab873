"""Seed 003's four guard rails: the switch that turns each on, the model reading it is judged
on, and the limit (a floor or a ceiling) it must respect. All names are the model's."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GuardRail", "RAILS", "SWITCHES", "MIN_EXPOSURE", "rails_params"]

MIN_EXPOSURE = 0.01
"""Accelerator exposure (bn yuan) below which the rails are not judged (no accelerator yet)."""


@dataclass(frozen=True)
class GuardRail:
    """One guard rail.

    Attributes
    ----------
    key : short name, e.g. ``"capital_adequacy"``.
    label : what a report calls it.
    switch : model constant that turns it on (1) or off (0).
    reading : model variable judged against the limit (Dmnl).
    limit : model constant holding the floor or ceiling (Dmnl).
    kind : ``"floor"`` (breached below) or ``"ceiling"`` (breached above).
    """

    key: str
    label: str
    switch: str
    reading: str
    limit: str
    kind: str

    def breach_depth(self, value, limit):
        """How far `value` is on the wrong side of `limit` (positive = breached; same units)."""
        return limit - value if self.kind == "floor" else value - limit


RAILS: list[GuardRail] = [
    GuardRail("capital_adequacy", "capital adequacy >= floor", "Capital Adequacy Rail Switch",
              "Accelerator Capital Adequacy", "Minimum Capital Adequacy", "floor"),
    GuardRail("reserve_coverage", "risk-reserve coverage >= floor", "Reserve Coverage Rail Switch",
              "Reserve Coverage Ratio", "Minimum Reserve Coverage", "floor"),
    GuardRail("credit_cap", "exposure <= cap share of GDP (circuit breaker)", "Credit Cap Rail Switch",
              "Accelerator Credit to GDP", "Credit Cap Share of GDP", "ceiling"),
    GuardRail("stress_test", "stress test passed (stressed capital adequacy >= floor)",
              "Stress Test Rail Switch", "Stressed Capital Adequacy", "Minimum Capital Adequacy",
              "floor"),
]
"""The four guard rails of seed 003, in its order."""

SWITCHES = [r.switch for r in RAILS]


def rails_params(on: bool) -> dict[str, float]:
    """Model constants that turn every guard rail on (1) or off (0)."""
    return {s: 1.0 if on else 0.0 for s in SWITCHES}
