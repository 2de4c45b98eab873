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
    from functools import partial

    import numpy  # noqa: F401 - imported before the fork, for both processes

    from cycle.io.folder import check_out, output_folder
    from cycle.io.sidework import side_process
    from cycle.runs import run_baseline, warm_plots

    params = options.unique_sets(args.sets)
    target = check_out(args.out)
    # The side process that draws the plots imports matplotlib (this process never does)
    # and builds the key-stock grid's frame while this one imports pandas and loads and runs
    # the model; it is killed if a check below fails.
    warm = partial(warm_plots, args.lang, grid=True, subtitle=bool(params))
    with side_process(warm=warm, workers=2) as side:
        from cycle.model import load_model

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
