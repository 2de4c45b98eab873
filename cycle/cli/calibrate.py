"""``cycle calibrate``: fit the free parameters under both readings of the dates, sample the joint
posterior with emcee under the primary reading, and write the report."""

from __future__ import annotations

import argparse
import math
import sys
import time

from cycle.cli import options

__all__ = ["add_parser", "run", "check_observations"]

READINGS = ("year_end", "mid_year")  # as cycle.calibration.observed.READINGS, without importing it

def add_parser(sub) -> None:
    p = sub.add_parser("calibrate", help="fit the free parameters to observed data, sample their joint "
                       "posterior (emcee); write a report", description=__doc__)
    p.add_argument("--data", metavar="PATH", help="observations CSV (default: the shipped observations.csv)")
    p.add_argument("--parameters", metavar="PATH",
                   help="free parameters and priors TOML (default: the shipped parameters.toml)")
    options.add_out(p, default="out/calibration")
    p.add_argument("--reading", choices=READINGS, default="year_end",
                   help="primary reading of year-labelled dates, whose values go to "
                        "fitted_parameters.toml and whose posterior is sampled (default: year_end); "
                        "both readings are fitted and reported")
    options.add_seed(p, default=0, help="seed of the optimiser and the sampler (default: 0)")
    p.add_argument("--walkers", type=options.positive_int, default=40, metavar="W",
                   help="emcee walkers (even, at least 2 x parameters; default 40)")
    p.add_argument("--steps", type=options.positive_int, default=60000, metavar="S",
                   help="emcee steps per walker, burn-in included (default 60000: about 2 minutes "
                        "on the compiled loop, and over 50 autocorrelation times on the shipped model)")
    p.add_argument("--burn", type=int, default=None, metavar="B",
                   help="steps discarded as burn-in (default: a third of --steps)")
    p.add_argument("--draws", type=options.positive_int, default=2000, metavar="N",
                   help="posterior draws kept in posterior.csv (default 2000)")
    p.add_argument("--no-mcmc", action="store_true", help="fit only; skip the posterior sample")
    p.add_argument("--maxiter", type=options.positive_int, default=40, metavar="G",
                   help="most generations of the optimiser's differential evolution (default 40)")
    p.add_argument("--profile-points", type=int, default=9, metavar="P",
                   help="grid points of each profile-likelihood interval (0: none; default 9)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def check_observations(path, model) -> None:
    """Refuse an observations file the fit cannot use, naming the file and the line: a value,
    sigma or weight that is not a finite number, or an observation dated before INITIAL TIME
    or after the latest final year, under either reading of the dates."""
    from cycle.calibration.observed import default_data_path, load_observations
    from cycle.errors import InputError
    from cycle.model import MAX_FINAL_TIME

    where = str(path) if path else str(default_data_path())
    for reading in READINGS:
        obs = load_observations(path, reading=reading, model=model)
        for i, row in enumerate(obs.itertuples(index=False)):
            line = i + 2  # the header is line 1
            for col in ("value", "sigma", "weight"):
                x = getattr(row, col)
                try:
                    bad = not math.isfinite(float(x))
                except (TypeError, ValueError):
                    bad = True
                if bad:
                    raise InputError(f"{where}, line {line}: {col} = {x!r} is not a finite number "
                                     f"({row.variable}, {row.period})")
            if not model.initial_time <= row.time <= MAX_FINAL_TIME:
                raise InputError(
                    f"{where}, line {line}: {row.variable} {row.period} falls at {row.time:g} "
                    f"({reading} reading), outside the model's run [{model.initial_time:g}, "
                    f"{MAX_FINAL_TIME:g}]")


def run(args: argparse.Namespace) -> int:
    from cycle.calibration.fit import FitOptions, fit, load_parameters
    from cycle.calibration.posterior import McmcOptions, sample_posterior
    from cycle.calibration.report import write_report
    from cycle.errors import InputError
    from cycle.io.folder import check_out, output_folder
    from cycle.model import load_model

    # every check before any run
    target = check_out(args.out)  # before the fit, not minutes after it
    mdl = load_model("northeast", calibrated=False)
    check_observations(args.data, mdl)
    k = len(load_parameters(args.parameters, model=mdl))
    mcmc = McmcOptions(walkers=args.walkers, steps=args.steps, burn=args.burn, draws=args.draws,
                       projection_draws=args.draws, progress=not args.quiet)
    if not args.no_mcmc:
        try:
            mcmc.check(k)
        except ValueError as exc:
            raise InputError(str(exc)) from None
    start = time.perf_counter()
    opts = FitOptions(progress=not args.quiet, maxiter=args.maxiter, profile_points=args.profile_points)
    try:
        opts.check()
    except ValueError as exc:
        raise InputError(str(exc)) from None
    order = [args.reading] + [r for r in READINGS if r != args.reading]
    with output_folder(target) as folder:
        results = {r: fit(args.data, reading=r, seed=args.seed, options=opts,
                          parameters=args.parameters) for r in order}
        post = None if args.no_mcmc else sample_posterior(results[args.reading], mcmc, seed=args.seed)
        written = write_report(results, folder.path, primary=args.reading,
                               argv=["cycle", *sys.argv[1:]], posterior=post)
    for r, res in results.items():
        xs = ", ".join(f"{k} = {v:.4g}" for k, v in res.x.items())
        print(f"{r}: chi2 = {res.fun:.4g}; {xs}", file=sys.stderr)
    if post is not None:
        d = post.diagnostics
        print(f"posterior: acceptance {d['acceptance_mean']:.2f}, tau_max {d['tau_max']:.0f} steps, "
              f"chain {d['chain_over_tau']:.0f} tau, min ESS {d['ess_min']:.0f}"
              f"{'' if d['converged'] else ' (NOT converged: run longer)'}", file=sys.stderr)
    print(f"calibrated in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    for path in written:
        print(folder.final(path))
    return 0
