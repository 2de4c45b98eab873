"""Entry point of the ``cycle`` tool.

Exit codes: 0 success, 2 usage error (bad option or value), 1 failure while running.
Errors are one ``Error: ...`` line on stderr; ``-v`` adds the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback

from cycle.errors import CycleError

__all__ = ["main", "entry", "COMMANDS"]

COMMANDS = ["run", "vars"]
"""Subcommand modules under ``cycle.cli``; each has ``add_parser(subparsers)`` and ``run(args)``."""

_OPTIONAL = ["levers", "compare", "calibrate", "ensemble", "sensitivity", "screen", "stress", "explore",
             "report"]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message: str):  # type: ignore[override]
        sys.stderr.write(f"Error: {message} (try '{self.prog} --help')\n")
        raise SystemExit(2)


class UsageError(CycleError):
    """Bad input detected after parsing (exit code 2)."""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cycle", description="Technology-industry-finance cycle models.")
    parser.add_argument("-v", "--verbose", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS + _OPTIONAL:
        try:
            module = importlib.import_module(f"cycle.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"cycle.cli.{name}":
                continue
            raise
        module.add_parser(sub)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings as one ``Warning: ...`` line on stderr (no source line)."""
    (file or sys.stderr).write(f"Warning: {str(message).strip().splitlines()[0]}\n")


def _engine_notices() -> None:
    """The engine's one-line notices on stderr (``cycle: ...``): that it compiles the
    compiled loop (once, seconds), or why a large batch runs the NumPy loop."""
    import logging

    logger = logging.getLogger("cycle.engine")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("cycle: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def main(argv: list[str] | None = None) -> int:
    """Run the tool; return the exit code."""
    import warnings

    from cycle.io import sidework
    from cycle.plotting.canvas import lean_imports

    warnings.showwarning = _show_warning
    _engine_notices()
    lean_imports()  # this process draws 2-D plots into files only
    sidework.allow()  # and may fork a side process to draw them (cycle.io.sidework)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        return int(args.func(args) or 0)
    except (UsageError, ValueError, KeyError) as exc:
        _report(exc, args.verbose)
        return 2
    except CycleError as exc:
        _report(exc, args.verbose)
        return 1
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        sys.stderr.write("Error: interrupted\n")
        return 130
    except Exception as exc:  # unexpected: still one line, traceback with -v
        _report(exc, args.verbose, unexpected=True)
        return 1


def _report(exc: BaseException, verbose: bool, unexpected: bool = False) -> None:
    if verbose:
        traceback.print_exc()
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if unexpected:
        text = f"{type(exc).__name__}: {text} (rerun with -v for the traceback)"
    sys.stderr.write(f"Error: {text}\n")


def entry() -> None:
    """Console-script entry: exit with :func:`main`'s code (see :func:`exit_now`)."""
    exit_now(main())


def exit_now(code: int) -> None:
    """End the process with `code` once everything is written, without the interpreter's
    teardown (freeing every module and object: 0.12 s after ``cycle run``, a sixth of the
    command). The exit handlers still run (logging flush, finalizers such as temporary
    folders, lock release) and stdout/stderr are flushed first. With a non-daemon thread
    still running, or under a profiler or tracer (``python -m cProfile``, which writes its
    results after the program returns), the normal exit is taken instead."""
    import atexit
    import os
    import threading

    run_handlers = getattr(atexit, "_run_exitfuncs", None)
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    watched = sys.getprofile() is not None or sys.gettrace() is not None
    if run_handlers is None or watched or any(not t.daemon for t in others):
        raise SystemExit(code)
    run_handlers()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`cycle vars | head`): nothing to lose
            pass
    os._exit(code)
