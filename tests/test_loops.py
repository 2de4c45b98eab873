"""Loop knock-out tests: every loop the README names has a switch constant, and cutting it moves
the outputs the README says it drives, in the stated direction (Sterman, Business Dynamics,
ch. 21: loop knock-out analysis). All runs on the batch engine, one member per cut."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from referee import at, engine, run_members

README = Path(__file__).resolve().parent.parent / "README.md"

# loop -> (switch, scenario the README states the direction in, [(output, year, sign)])
# sign +1: cutting the loop raises the output; -1: lowers it.
LOOPS = {
    # in the baseline firms multiply faster than value added, so their real size and finance need
    # per firm fall; the loop passes that on, and cutting it raises loans
    "R1": ("R1 Firm Scale Loop Switch", {}, [("Tech Loan Balance", 2050.0, +1)]),
    "R2": ("R2 Patient Capital Return Loop Switch", {}, [("Patient Capital", 2050.0, -1)]),
    "R3": ("R3 Lender Learning Loop Switch", {},
           [("Tech Loan Balance", 2030.0, -1), ("Lender Capability Match", 2030.0, -1)]),
    "R4": ("R4 Innovation Loop Switch", {},
           [("Knowledge Stock", 2050.0, -1), ("Tech Industry Value Added", 2050.0, -1)]),
    "R5": ("R5 State Share Loop Switch",
           {"State Commitment Share Policy": 0.45, "Guidance Fund Start Year": 2025},
           [("Patient Capital", 2050.0, -1)]),
    "B1": ("B1 NPL Appetite Loop Switch", {},
           [("NPL Ratio", 2050.0, +1), ("Tech Loan Balance", 2050.0, +1)]),
    "B2": ("B2 Bank Capital Loop Switch", {}, [("Tech Loan Balance", 2050.0, +1)]),
    "B3": ("B3 Credit Cycle Loop Switch", {},
           [("NPL Ratio", 2035.0, -1), ("Tech Loan Balance", 2050.0, +1)]),
    "B4": ("B4 Market Saturation Loop Switch", {"Regional GDP Growth": -0.05},
           [("Industrial Capacity", 2050.0, +1)]),
    "B5": ("B5 Valuation Crowding Loop Switch",
           {"Guidance Fund Injection Policy": 50, "Guidance Fund Start Year": 2025},
           [("Patient Capital", 2050.0, +1)]),
    "B7": ("Local Policy Rule Switch", {},
           [("Risk Sharing Capital", 2035.0, -1), ("Tech Loan Balance", 2035.0, -1)]),
}


def test_every_loop_in_the_readme_has_a_switch_and_a_test():
    text = README.read_text(encoding="utf-8")
    table = text[text.index("### Feedback loops"):text.index("**The three actors")]
    named = set(re.findall(r"^\| ([RB]\d+) ", table, flags=re.M))
    assert named == set(LOOPS), f"README loops {sorted(named)} vs tested {sorted(LOOPS)}"
    for loop, (switch, _, _) in LOOPS.items():
        assert switch in engine().constants, switch
        assert f"`{switch}`" in table, f"README does not name the switch of {loop}"


@pytest.mark.parametrize("loop", sorted(LOOPS))
def test_cutting_a_loop_moves_its_outputs_the_stated_way(loop):
    switch, scenario, effects = LOOPS[loop]
    res = run_members([{**scenario, switch: 1.0}, {**scenario, switch: 0.0}], final_time=2050.0,
                      columns=sorted({o for o, _, _ in effects}))
    for output, year, sign in effects:
        on, off = at(res, output, year)
        change = off / on - 1
        assert np.sign(change) == sign and abs(change) > 0.01, (
            f"cutting {loop} changes {output} {year:g} by {change:+.2%}, README says {sign:+d}")


def test_switches_at_one_are_the_baseline():
    res = run_members([{}, {sw: 1.0 for sw, _, _ in LOOPS.values()}], columns=["Tech Loan Balance"])
    np.testing.assert_array_equal(*res.values["Tech Loan Balance"])
