"""``cycle run``: run the baseline (or with --set overrides) and write trajectories, plots, manifest."""

from __future__ import annotations

import argparse
import sys

from cycle.cli import options

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="run the model; write trajectories.csv, plots and manifest.json",
                       description=__doc__)
    options.add_model(p)
    options.add_until(p)
    options.add_set(p)
    options.add_out(p, default="out/run")
    options.add_engine(p)
    options.add_lang(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cycle.io.folder import check_out, output_folder
    from cycle.io.sidework import side_process
    from cycle.model import load_model
    from cycle.plotting.style import setup
    from cycle.runs import run_baseline, warm_plots

    params = options.unique_sets(args.sets)
    target = check_out(args.out)
    setup(args.lang)
    # the side process that draws the key-stock grid imports matplotlib's figure module
    # while the model loads and runs here (killed if a check below fails)
    with side_process(warm=warm_plots) as side:
        model = load_model(args.model)
        model.check_params(params)  # every check before any work
        model.check_until(args.until)
        with output_folder(target) as folder:
            written = run_baseline(model=model, params=params, until=args.until,
                                   out=folder.path, argv=["cycle", *sys.argv[1:]],
                                   engine=args.engine, side=side)
    for path in written:
        print(folder.final(path))
    return 0
