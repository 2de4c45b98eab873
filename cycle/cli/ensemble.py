"""``cycle ensemble``: scenarios over sampled uncertain parameters; percentiles, fan charts, manifest."""

from __future__ import annotations

import argparse
import sys

from cycle.cli import options

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("ensemble", help="run scenarios over sampled uncertain parameters; "
                       "write percentiles, fan charts and a manifest", description=__doc__)
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                   help="shipped scenario name or .toml path (the baseline is always run)")
    p.add_argument("--samples", type=options.positive_int, required=True, metavar="N",
                   help="parameter sets per scenario")
    options.add_uncertain(p)
    options.add_seed(p)
    p.add_argument("--sampler", choices=["lhs", "sobol"], default="lhs",
                   help="Latin hypercube or scrambled Sobol (a power-of-2 --samples) "
                        "(default: lhs)")
    p.add_argument("--variables", nargs="+", metavar="NAME", default=None,
                   help="variables to summarise (default: 8 key stocks and ratios)")
    options.add_model(p)
    options.add_until(p)
    options.add_out(p, default="out/ensemble")
    options.add_dask(p)
    p.add_argument("--format", dest="fmt", choices=["csv", "parquet"], default="csv",
                   help="format of the percentile table (default: csv)")
    p.add_argument("--raw", choices=["zarr", "netcdf"], default=None,
                   help="also write every run as a labelled array (xarray Dataset): runs.zarr or "
                        "runs.nc")
    p.add_argument("--no-posterior", action="store_true",
                   help="hold the calibrated parameters at their fitted values instead of drawing "
                        "whole rows of the calibration's posterior sample")
    p.add_argument("--chunk-size", type=options.positive_int, default=None, metavar="RUNS",
                   help="runs per engine call; sets the peak memory (default 5000)")
    options.add_lang(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cycle.ensembles.evaluators import SequentialEvaluator, evaluator_for
    from cycle.ensembles.runner import (
        DEFAULT_CHUNK,
        check_ensemble,
        run_ensemble,
        start_samples,
        write_ensemble,
    )
    from cycle.io.folder import check_out, output_folder
    from cycle.model import load_model
    from cycle.plotting.style import setup
    from cycle.scenarios import load_scenario
    from cycle.uncertainty import load_uncertainties

    options.check_dask(args)
    target = check_out(args.out)
    model = load_model(args.model)
    final = model.check_until(args.until)
    spec = load_uncertainties(args.uncertain, model)
    scenarios = [load_scenario(s, model) for s in args.scenarios]  # every check before any run
    for s in scenarios:
        s.to_params(model, until=final)
    runs = args.samples * (len({s.name for s in scenarios} | {"baseline"}))
    check_ensemble(model, spec, n=args.samples, sampler=args.sampler, variables=args.variables,
                   final=final, n_scenarios=runs // args.samples)
    setup(args.lang)
    _thread_lock_for_bars()
    with output_folder(target) as folder:
        early = {}

        def write_samples(samples) -> None:  # in a side process while the runs go on
            if isinstance(ev, SequentialEvaluator):  # (not beside a Dask client's threads)
                early["side"] = start_samples(samples, folder.path)

        try:
            with evaluator_for(runs, scheduler=args.scheduler, workers=args.workers) as ev:
                result = run_ensemble(scenarios, spec, n=args.samples, seed=args.seed,
                                      sampler=args.sampler, until=args.until, model=model,
                                      evaluator=ev, chunk_size=args.chunk_size or DEFAULT_CHUNK,
                                      variables=args.variables, raw=args.raw,
                                      posterior=not args.no_posterior, on_samples=write_samples)
            written = write_ensemble(result, folder.path, fmt=args.fmt, raw=args.raw,
                                     argv=["cycle", *sys.argv[1:]], samples_side=early.get("side"))
        finally:
            if "side" in early:
                early["side"].kill()  # after a failure: no side process writes on
    for path in written:
        print(folder.final(path))
    return 0


def _thread_lock_for_bars() -> None:
    """Give tqdm a thread lock: its default lock also holds a multiprocessing lock (for bars
    drawn from several processes, which this command never does), and making one imports
    multiprocessing (~25 ms)."""
    import threading

    from tqdm import tqdm

    tqdm.set_lock(threading.RLock())
