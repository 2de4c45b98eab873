"""``cycle compare``: run the baseline and scenarios; write trajectories, metrics, plots, manifest."""

from __future__ import annotations

import argparse
import sys

from cycle.cli import options

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("compare", help="compare policy scenarios with the baseline",
                       description=__doc__)
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                   help="shipped scenario name (see scenarios/) or path to a .toml file")
    options.add_model(p)
    options.add_until(p)
    options.add_out(p, default="out/compare")
    options.add_engine(p)
    options.add_lang(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cycle.compare import compare, write_comparison
    from cycle.io.folder import check_out, output_folder
    from cycle.model import load_model
    from cycle.plotting.style import setup
    from cycle.scenarios import load_scenario

    target = check_out(args.out)
    model = load_model(args.model)
    final = model.check_until(args.until)
    for s in args.scenarios:  # every check before any run
        load_scenario(s).to_params(model, until=final)
    setup(args.lang)
    with output_folder(target) as folder:
        result = compare(args.scenarios, until=args.until, model=model, engine=args.engine)
        written = write_comparison(result, folder.path, argv=["cycle", *sys.argv[1:]],
                                   engine=args.engine)
    for path in written:
        print(folder.final(path))
    return 0
