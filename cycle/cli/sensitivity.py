"""``cycle sensitivity``: Sobol or Morris indices of one output at one year (SALib); table, chart."""

from __future__ import annotations

import argparse
import sys

from cycle.cli import options

__all__ = ["add_parser", "run"]


def _year(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--year expects a year, got {text!r}") from None


def add_parser(sub) -> None:
    p = sub.add_parser("sensitivity", help="global sensitivity of one output to the uncertain "
                       "constants (Sobol or Morris)", description=__doc__)
    p.add_argument("--method", choices=["sobol", "morris"], default="sobol",
                   help="Sobol indices (S1, ST) or Morris screening (mu*) (default: sobol)")
    p.add_argument("--output", required=True, metavar="VAR", help="Vensim name of the output")
    p.add_argument("--year", type=_year, required=True, metavar="Y",
                   help="year at which the output is read (interpolated between saved times)")
    p.add_argument("--samples", type=options.positive_int, default=None, metavar="N",
                   help="SALib's N: base samples for sobol (power of 2, default 256), "
                        "trajectories for morris (default 50)")
    options.add_uncertain(p)
    options.add_seed(p)
    p.add_argument("--scenario", default=None, metavar="S",
                   help="scenario the runs use (default: baseline)")
    options.add_model(p)
    options.add_out(p, default="out/sensitivity")
    options.add_dask(p)
    options.add_lang(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from cycle.ensembles.evaluators import evaluator_for
    from cycle.io.folder import check_out, output_folder
    from cycle.model import load_model
    from cycle.plotting.style import setup
    from cycle.scenarios import load_scenario
    from cycle.sensitivity import DEFAULT_SAMPLES, run_sensitivity, write_sensitivity
    from cycle.uncertainty import load_uncertainties

    options.check_dask(args)
    target = check_out(args.out)
    model = load_model(args.model)
    output = model.resolve(args.output)  # unknown output: exit 2 before anything else
    if model.variables[output].kind == "constant":
        raise ValueError(f"--output {output} is a constant: it does not respond to the sampled "
                         "constants (choose a stock or auxiliary; see 'cycle vars')")
    if args.year <= model.initial_time:
        raise ValueError(f"--year {args.year:g} is INITIAL TIME {model.initial_time:g} or before: "
                         "every run starts from the same initial state; choose a later year")
    n = args.samples or DEFAULT_SAMPLES[args.method]
    if args.method == "sobol" and n & (n - 1):
        lower = 1 << (n.bit_length() - 1)
        raise ValueError(f"--samples for sobol must be a power of 2 (Sobol' sequence balance), "
                         f"got {n}; try {lower} or {lower * 2}")
    spec = load_uncertainties(args.uncertain, model)
    scen = load_scenario(args.scenario or "baseline", model)
    final = model.check_until(args.year) if args.year > model.final_time else model.final_time
    scen.to_params(model, until=final)
    setup(args.lang)
    with output_folder(target) as folder:
        with evaluator_for(0, scheduler=args.scheduler, workers=args.workers) as ev:
            result = run_sensitivity(spec, output=output, year=args.year, method=args.method,
                                     n=args.samples, seed=args.seed, scenario=scen, model=model,
                                     evaluator=ev)
        written = write_sensitivity(result, folder.path, argv=["cycle", *sys.argv[1:]])
    for path in written:
        print(folder.final(path))
    return 0
