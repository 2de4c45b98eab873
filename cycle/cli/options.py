"""Options shared by several subcommands, defined once.

=============  ===================================  ==========================
option         meaning                              used by
=============  ===================================  ==========================
--model        model name or .mdl path              run, vars
--until YEAR   final year of the run (<= 2060)      run
--set N=V      override a constant (repeatable)     run
--out DIR      output folder                        run
=============  ===================================  ==========================
"""

from __future__ import annotations

import argparse
import math
import os

__all__ = ["parse_assignment", "add_model", "add_until", "add_set", "add_out"]


def parse_assignment(text: str) -> tuple[str, float]:
    """Parse ``NAME=VALUE`` (VALUE a finite number), for ``--set``."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"--set expects NAME=VALUE, got {text!r}")
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--set {name.strip()}: {value.strip()!r} is not a number") from None
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"--set {name.strip()}: {value!r} is not finite")
    return name.strip(), number


def _year(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--until expects a year, got {text!r}") from None


def add_model(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default="northeast", help="model name or .mdl path (default: northeast)")


def add_until(p: argparse.ArgumentParser) -> None:
    p.add_argument("--until", type=_year, metavar="YEAR", help="final year (default 2050, at most 2060)")


def add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", dest="sets", type=parse_assignment, action="append", default=[],
                   metavar="NAME=VALUE", help="override a constant by its model name (repeatable)")


def add_out(p: argparse.ArgumentParser, default: str = "out") -> None:
    p.add_argument("--out", default=default, metavar="DIR",
                   help=f"output folder, replaced as a whole when the run succeeds (default: {default})")


# -- ensemble and sensitivity (appended) ------------------------------------------
# --samples N      parameter sets                      ensemble, sensitivity
# --uncertain F    uncertainty spec name or .toml      ensemble, sensitivity
# --seed S         non-negative integer seed           ensemble, sensitivity
# --scheduler A    Dask scheduler address              ensemble, sensitivity
# --workers K      local Dask worker processes         ensemble, sensitivity


def positive_int(text: str) -> int:
    """Parse a positive integer (``--samples``, ``--workers``)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed expects a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"--seed expects a non-negative integer, got {text!r}")
    return value


def add_uncertain(p: argparse.ArgumentParser) -> None:
    p.add_argument("--uncertain", default="northeast", metavar="FILE",
                   help="uncertainty spec: shipped name (uncertain/*.toml) or .toml path "
                        "(default: northeast)")


def add_seed(p: argparse.ArgumentParser, default: int | None = None,
             help: str = "random seed (default: drawn and recorded in manifest.json)") -> None:
    p.add_argument("--seed", type=_seed, default=default, metavar="S", help=help)


def _scheduler(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("--scheduler is empty; give an address such as "
                                         "tcp://host:8786, or leave the option out")
    if "://" not in text and ":" not in text:
        raise argparse.ArgumentTypeError(f"--scheduler expects an address such as "
                                         f"tcp://host:8786, got {text!r}")
    return text.strip()


def _workers(text: str) -> int:
    value = positive_int(text)
    cores = os.cpu_count() or 1
    if value > cores:
        raise argparse.ArgumentTypeError(
            f"--workers {value} is more than the {cores} cores of this machine; use at most {cores}")
    return value


def add_dask(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scheduler", type=_scheduler, default=None, metavar="ADDRESS",
                   help="run on the Dask scheduler at ADDRESS (e.g. tcp://host:8786)")
    p.add_argument("--workers", type=_workers, default=None, metavar="K",
                   help="run on a local Dask cluster of K processes, at most the number of cores "
                        "(1: in this process; default: in this process unless the job is large)")


def check_dask(args: argparse.Namespace) -> None:
    """--scheduler and --workers exclude each other."""
    if getattr(args, "scheduler", None) and getattr(args, "workers", None):
        from cycle.errors import InputError

        raise InputError("--scheduler and --workers conflict: the scheduler's cluster has its own "
                         "workers; give one of them")


# -- engine, language, duplicate --set (appended) ------------------------------------


def add_engine(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=["engine", "pysd"], default="engine",
                   help="what runs the model: the batch engine generated from the .mdl (default) "
                        "or PySD, the reference")


def add_lang(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=["en", "zh"], default="en",
                   help="language of the plot labels (default: en)")


def unique_sets(sets: list[tuple[str, float]]) -> dict[str, float]:
    """``--set`` pairs as a dict; the same name set twice is an error naming both values."""
    from cycle.errors import InputError
    from cycle.names import identifier

    out: dict[str, float] = {}
    seen: dict[str, str] = {}
    for name, value in sets:
        key = identifier(name)
        if key in seen:
            raise InputError(f"--set {name} is given twice ({out[seen[key]]:g} and {value:g}); "
                             "give each constant once")
        seen[key] = name
        out[name] = value
    return out


__all__ += ["positive_int", "add_uncertain", "add_seed", "add_dask", "check_dask", "add_engine",
            "add_lang", "unique_sets"]
