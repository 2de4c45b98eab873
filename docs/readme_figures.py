"""Print every model-behaviour figure README.md quotes, section by section, with the run that
produces it; ``--figures`` also redraws every PNG in docs/.

    python docs/readme_figures.py                 # the calibrated baseline (what `cycle run` gives)
    python docs/readme_figures.py --mdl-values    # the .mdl values instead of the fitted mode
    python docs/readme_figures.py --figures       # also redraw docs/*.png (explorer: needs Chromium)

Only model outputs are read: every run goes through ``cycle.model.load_model(...).run(...)``,
``cycle.compare.compare`` (as `cycle compare`) or ``cycle.stress.run_stress`` (as `cycle
stress`); ``--figures`` runs the `cycle` commands the README shows and ``bench/bench_explore.py
--screenshots``. Nothing here restates an equation. Runtime: a few seconds; with --figures about a minute.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from cycle.model import load_model

DOCS = Path(__file__).resolve().parent
FIRM_STOCKS = [
    "Initial Startup Firms",
    "Initial Growth Firms",
    "Initial Mature Firms",
    "Initial Listed Firms",
]
FLAT = {
    "Regional GDP Growth": 0,
    "National VC Pool Growth": 0,
    "Public S and T Growth Near Term": 0,
    "Public S and T Growth Long Run": 0,
    "Cost Inflation": 0,
}
"""Every exogenous growth input at zero."""
NO_PUSH = {"Tech Finance Push Start Year": 2060}
WAVE = {"Default Wave Size": 4, "Default Wave Year": 2030, "Default Wave Duration": 1}
"""Five times the normal default rate for one year from 2030."""
SEVERE_WAVE = {"Default Wave Size": 20, "Default Wave Year": 2030, "Default Wave Duration": 2}
LOOPS = {  # loop: (switch, scenario its direction is stated in, outputs and years the table names)
    "R1": ("R1 Firm Scale Loop Switch", {}, [("Tech Loan Balance", 2050)]),
    "R2": ("R2 Patient Capital Return Loop Switch", {}, [("Patient Capital", 2050)]),
    "R3": (
        "R3 Lender Learning Loop Switch",
        {},
        [("Tech Loan Balance", 2030), ("Lender Capability Match", 2030)],
    ),
    "R4": ("R4 Innovation Loop Switch", {}, [("Knowledge Stock", 2050), ("Tech Industry Value Added", 2050)]),
    "R5": (
        "R5 State Share Loop Switch",
        {"State Commitment Share Policy": 0.45, "Guidance Fund Start Year": 2025},
        [("Patient Capital", 2050)],
    ),
    "R5 (baseline)": ("R5 State Share Loop Switch", {}, [("Patient Capital", 2050)]),
    "B1": ("B1 NPL Appetite Loop Switch", {}, [("NPL Ratio", 2050), ("Tech Loan Balance", 2050)]),
    "B2": ("B2 Bank Capital Loop Switch", {}, [("Tech Loan Balance", 2050)]),
    "B3": ("B3 Credit Cycle Loop Switch", {}, [("NPL Ratio", 2035), ("Tech Loan Balance", 2050)]),
    "B4": (
        "B4 Market Saturation Loop Switch",
        {"Regional GDP Growth": -0.05},
        [("Industrial Capacity", 2050)],
    ),
    "B4 (baseline)": ("B4 Market Saturation Loop Switch", {}, [("Industrial Capacity", 2050)]),
    "B5": (
        "B5 Valuation Crowding Loop Switch",
        {"Guidance Fund Injection Policy": 50, "Guidance Fund Start Year": 2025},
        [("Patient Capital", 2050)],
    ),
    "B7": ("Local Policy Rule Switch", {}, [("Risk Sharing Capital", 2035), ("Tech Loan Balance", 2035)]),
}


def at(df: pd.DataFrame, name: str, year: float) -> float:
    """`name` at `year`, linear between saved times."""
    return float(np.interp(year, df.index.to_numpy(), df[name].to_numpy()))


def cagr(df: pd.DataFrame, name: str, a: float, b: float) -> float:
    return (at(df, name, b) / at(df, name, a)) ** (1 / (b - a)) - 1


def section(title: str) -> None:
    print(f"\n== {title} ==")


def run_line(text: str) -> None:
    print(f"  run: {text}")


def fig(label: str, value: str) -> None:
    print(f"    {label}: {value}")


def pct(x: float, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f} %"


def start_posterior(m) -> None:
    """The starting disequilibrium over the shipped posterior sample (every draw, batch engine)."""
    from cycle.engine import build_engine
    from cycle.uncertainty import load_posterior

    sample = load_posterior(m)
    if sample is None:
        return
    run_line(f"batch engine over the {len(sample.draws):,} draws of {sample.source.name}; "
             "flat inputs and no push for the 2021 growth")
    eng = build_engine(m.path)
    draws = {c: sample.draws[c].to_numpy() for c in sample.draws.columns}
    cols = ["Indicated Tech Loan Balance", "Performing Tech Loans", "Tech Loan Balance",
            "Market Patient Capital"]
    res = eng.run({**draws, **FLAT, **NO_PUSH}, n=len(sample.draws), final_time=2022.0, return_columns=cols)
    t = np.asarray(res.times)
    v = {c: np.asarray(res.values[c], dtype=float) for c in cols}
    q = (2.5, 50, 97.5)

    def band(x: np.ndarray, fmt) -> str:
        lo, mid, hi = np.percentile(x, q)
        return f"{fmt(mid)} (95 %: {fmt(lo)} to {fmt(hi)})"

    fig("posterior: willing-to-hold over performing loans, 1 Jan 2021",
        band(v["Indicated Tech Loan Balance"][:, 0] / v["Performing Tech Loans"][:, 0], lambda x: f"{x:.2f}"))
    j = int(np.argmin(np.abs(t - 2022.0)))
    fig("posterior: loans' growth in 2021 without the push, flat inputs",
        band(v["Tech Loan Balance"][:, j] / v["Tech Loan Balance"][:, 0] - 1, pct))
    fig("posterior: market patient capital's growth in 2021, flat inputs",
        band(v["Market Patient Capital"][:, j] / v["Market Patient Capital"][:, 0] - 1, pct))


def model_sections(m) -> dict[str, pd.DataFrame]:
    """The README's sections from the model section to the credit cycle; returns the runs the
    credit-cycle figure reuses."""
    base = m.run(until=2060)
    flat = m.run(FLAT, until=2050)
    flat_no_push = m.run({**FLAT, **NO_PUSH}, until=2050)

    section("Starting state")
    run_line("m.run(FLAT | NO_PUSH, until=2050): every exogenous growth input 0, push from 2060")
    fig("loans' growth 2021-2050", pct(cagr(flat_no_push, "Tech Loan Balance", 2021, 2050)) + "/yr")
    fig(
        "loans 2021 / 2025 / 2050",
        " / ".join(f"{at(flat_no_push, 'Tech Loan Balance', y):,.0f}" for y in (2021, 2025, 2050))
        + " bn yuan",
    )
    fig(
        "2021 performing loans / what banks are willing to hold (Indicated Tech Loan Balance)",
        f"{at(flat_no_push, 'Performing Tech Loans', 2021):,.0f} / "
        f"{at(flat_no_push, 'Indicated Tech Loan Balance', 2021):,.0f} bn yuan",
    )
    first = flat_no_push.iloc[:2]  # the first saved quarter: which stocks move from the start
    stocks = [n for n, v in m.variables.items() if v.kind == "stock" and first[n].iloc[0] > 0]
    rates = {n: (first[n].iloc[1] / first[n].iloc[0] - 1) / (first.index[1] - first.index[0]) for n in stocks}
    moving = {n: r for n, r in rates.items() if abs(r) > 0.005}
    fig(
        "stocks moving over 0.5 %/yr in the first quarter",
        ", ".join(f"{n} {pct(r)}/yr" for n, r in sorted(moving.items(), key=lambda kv: kv[1])) or "none",
    )

    start_posterior(m)

    section("Finance follows firms")
    run_line("m.run(until=2060): the baseline")
    esfa = base.loc[2021:2050, "Early Stage Finance Adequacy"]
    fig("early-stage adequacy 2021-2050", f"{esfa.min():.2f}-{esfa.max():.2f}")
    half = m.run({k: m.defaults[k] / 2 for k in FIRM_STOCKS}, until=2030)
    run_line("m.run({each Initial ... Firms: half}, until=2030)")
    b30, h30 = at(base, "Tech Loan Balance", 2030), at(half, "Tech Loan Balance", 2030)
    fig("loans 2030, halved firms vs baseline", f"{h30:,.0f} vs {b30:,.0f} bn yuan ({pct(h30 / b30 - 1, 0)})")
    run_line("the baseline: seed 002's counts")
    fig("Tech SME Count 2023.0", f"{at(base, 'Tech SME Count', 2023):.1f} thousand")
    fig("High Tech Enterprise Count 2023.0", f"{at(base, 'High Tech Enterprise Count', 2023):.1f} thousand")
    fig("Mature Firms 2023.5 (Jul 2023)", f"{at(base, 'Mature Firms', 2023.5):.2f} thousand")
    fig("Listed Firms 2024.0", f"{1000 * at(base, 'Listed Firms', 2024):.0f}")

    section("Bounds by structure")
    run_line("the baseline (to 2060)")
    for name in [
        "Tech Industry Share of GDP",
        "Tech Loan Share of Banking Assets",
        "Patient Capital Share of National Pool",
    ]:
        fig(name, f"{pct(at(base, name, 2021))} (2021), {pct(at(base, name, 2060))} (2060)")

    section("What the loops alone produce")
    run_line("m.run(FLAT, until=2050)")
    fig(
        "loans 2021 / 2030 / 2050",
        " / ".join(f"{at(flat, 'Tech Loan Balance', y):,.0f}" for y in (2021, 2030, 2050))
        + f" bn yuan; {pct(cagr(flat, 'Tech Loan Balance', 2030, 2050))}/yr over 2030-2050",
    )
    fig(
        "value added 2021 / 2050",
        f"{at(flat, 'Tech Industry Value Added', 2021):,.0f} / "
        f"{at(flat, 'Tech Industry Value Added', 2050):,.0f} bn yuan/yr",
    )
    fig(
        "high-tech enterprises 2021 / 2050",
        f"{at(flat, 'High Tech Enterprise Count', 2021):.1f} / "
        f"{at(flat, 'High Tech Enterprise Count', 2050):.1f} thousand",
    )
    pc = flat["Patient Capital"]
    fig(
        "patient capital peak / 2050",
        f"{pc.max():.1f} ({pc.idxmax():g}) / {at(flat, 'Patient Capital', 2050):.1f} bn yuan",
    )
    fig("NPL ratio peak", f"{pct(flat['NPL Ratio'].max())} ({flat['NPL Ratio'].idxmax():g})")

    section("Feedback loops: cutting each (switch = 0 against 1, in its stated scenario)")
    for loop, (switch, scenario, outputs) in LOOPS.items():
        on, off = m.run({**scenario, switch: 1}, until=2050), m.run({**scenario, switch: 0}, until=2050)
        moves = ", ".join(f"{o} {y}: {at(off, o, y) / at(on, o, y) - 1:+.1%}" for o, y in outputs)
        fig(f"{loop} {scenario or ''}".strip(), moves)
    name = "Perceived Real Value Added per Firm"
    fig(f"R1: {name} 2021 / 2050 (baseline)", f"{at(base, name, 2021):.1f} / {at(base, name, 2050):.1f}")
    b5 = m.run(LOOPS["B5"][1], until=2050)
    fig(
        "B5: Capital per Investable Firm 2025 / 2050 (its scenario)",
        " / ".join(f"{at(b5, 'Capital per Investable Firm', y):.2f}" for y in (2025, 2050)),
    )
    fig(
        "State VC Share 2021 / 2050 (baseline)",
        f"{pct(at(base, 'State VC Share', 2021), 0)} / {pct(at(base, 'State VC Share', 2050), 0)}",
    )

    section("The credit cycle")
    run_line("the baseline")
    fig(
        "borrower leverage 2021 / 2030",
        f"{at(base, 'Borrower Leverage', 2021):.1f} / "
        f"{at(base, 'Borrower Leverage', 2030):.1f} years of earnings",
    )
    fig("NPL ratio 2023 / 2030 / 2050", " / ".join(pct(at(base, "NPL Ratio", y)) for y in (2023, 2030, 2050)))
    cov = base.loc[:2050, "Bank Capital Coverage"]
    fig(
        "bank risk capital / requirement 2021 / 2050 (lowest to 2050)",
        f"{pct(cov.iloc[0], 0)} / {pct(at(base, 'Bank Capital Coverage', 2050), 0)} "
        f"({pct(cov.min(), 0)}, {cov.idxmin():g})",
    )
    fig(
        "loan growth 2030-2050 / 2022.0-2024.5",
        f"{pct(cagr(base, 'Tech Loan Balance', 2030, 2050))}/yr / "
        f"{pct(cagr(base, 'Tech Loan Balance', 2022, 2024.5), 0)}/yr",
    )
    wave = m.run(WAVE, until=2050)
    run_line("m.run(WAVE, until=2050): Default Wave Size 4 for one year from 2030")
    gap = wave["Tech Loan Balance"] / base.loc[:2050, "Tech Loan Balance"] - 1
    fig("NPL ratio peak", f"{pct(wave['NPL Ratio'].max())} ({wave['NPL Ratio'].idxmax():g})")
    fig(
        "bank risk appetite lowest",
        f"{wave['Bank Risk Appetite'].min():.2f} ({wave['Bank Risk Appetite'].idxmin():g})",
    )
    fig(
        "loans vs baseline: deepest, then 2033 / 2040 / 2045 / 2050",
        f"{pct(gap.min(), 0)} ({gap.idxmin():g}), then "
        + " / ".join(pct(at(gap.to_frame("g"), "g", y), 1) for y in (2033, 2040, 2045, 2050)),
    )
    after = gap.loc[gap.idxmin() :]
    fig(
        "loans vs baseline after the trough: closest / widest again after it",
        f"{pct(after.max())} ({after.idxmax():g}) / {pct(after.loc[after.idxmax() :].min())} "
        f"({after.loc[after.idxmax() :].idxmin():g})",
    )
    run_line("m.run(SEVERE_WAVE | {Guarantee Capital Adequacy Policy: 0.187 or 0.123}, until=2050)")
    for req in (0.187, 0.123):
        g = m.run({**SEVERE_WAVE, "Guarantee Capital Adequacy Policy": req}, until=2050)
        paid = (g["Guarantee Claims Paid"] / g["Guarantee Claims Due"]).min()
        fig(
            f"required adequacy {pct(req)}",
            f"risk-sharing capital 2032 {at(g, 'Risk Sharing Capital', 2032):.0f} "
            f"bn yuan; lowest share of claims due paid {pct(paid, 0)}",
        )

    section("The three actors: central transmission")
    low = m.run({"Central Policy Transmission Efficiency": 0.2}, until=2025)
    run_line("m.run({Central Policy Transmission Efficiency: 0.2}, until=2025)")
    fig(
        "loans 2024.5 at 0.2 vs baseline",
        f"{at(low, 'Tech Loan Balance', 2024.5):.0f} vs {at(base, 'Tech Loan Balance', 2024.5):.0f} bn yuan",
    )
    return {"baseline": base.loc[:2050], "wave": wave}


def lever_section(m) -> None:
    from cycle.compare import compare
    from cycle.metrics import loan_doubling_year
    from cycle.scenarios import available_scenarios

    section("Policy levers and scenarios")
    names = available_scenarios()
    run_line(f"cycle compare {' '.join(names)} --until 2050  (cycle.compare.compare)")
    res = compare(names, until=2050, model=m, progress=False)
    years = {
        s.name: loan_doubling_year(
            res.wide("Tech Loan Balance")[[s.name]].rename(columns={s.name: "Tech Loan Balance"})
        )
        for s in res.scenarios
    }
    fig("year the end-2021 loan book doubles", ", ".join(f"{k} {v:g}" for k, v in years.items()))


def stress_section(m) -> None:
    from cycle.stress import run_stress
    from cycle.stress.report import breach_table, breaking_points, effect_table, impact_table

    section("Seed 003's accelerator and cycle stress")
    run_line("cycle stress accelerator package_2025 --shock default_wave  (cycle.stress.run_stress)")
    res = run_stress(["accelerator", "package_2025"], shocks=("default_wave",), model=m, progress=False)
    for _, r in breach_table(res).query("scenario == 'accelerator'").iterrows():
        fig(
            f"rails {r['rails']}: {r['rail']}",
            (f"breached from {r['first_breach']:g}, worst {pct(r['worst'])} ({r['cause']})")
            if np.isfinite(r["first_breach"])
            else "held",
        )
    for rails in (True, False):
        tag = "rails on " if rails else "rails off"
        shocked, calm = res.run("accelerator", rails, "default_wave"), res.run("accelerator", rails, None)
        live = shocked["Accelerator Exposure"] > 1e-6
        ca = shocked.loc[live, "Accelerator Capital Adequacy"]
        fig(f"{tag}: lowest capital adequacy while exposed", f"{pct(ca.min())} ({ca.idxmin():g})")
        rc = shocked.loc[live, "Reserve Coverage Ratio"] >= shocked.loc[live, "Minimum Reserve Coverage"]
        fig(
            f"{tag}: reserve coverage at or above its floor from",
            f"{rc[rc].index.min():g}" if rc.any() else "never",
        )
        exposure = shocked["Accelerator Exposure"] / shocked["Regional GDP"]
        fig(
            f"{tag}: highest exposure / credit over GDP",
            f"{pct(exposure.max())} / {pct(shocked['Accelerator Credit to GDP'].max())}",
        )
        later = calm.loc[2030:2050]
        rate = later["Accelerator Default Rate"]
        loss = (later["Accelerator Loss"] / later["Accelerator Credit"]).where(
            later["Accelerator Credit"] > 1e-6
        )
        fig(
            f"{tag}: unshocked accelerator default rate 2030-2050 / loss over credit",
            f"{pct(rate.min())}-{pct(rate.max())}/yr / {pct(loss.min())}-{pct(loss.max())}/yr",
        )
    imp = impact_table(res).set_index(["scenario", "rails"])
    for (scenario, rails), r in imp.iterrows():
        fig(
            f"{scenario} rails {rails}: tech loans lost / firms lost",
            f"{r['tech_loans.lost_pct']:.1f} % ({r['tech_loans.trough']:g}) / {r['firms.lost_pct']:.1f} % "
            f"({r['firms.trough']:g}); recovery within 1 %: loans {r['tech_loans.recover_years']:g} years",
        )
    eff = effect_table(res)
    for _, r in eff[(eff.scenario == "accelerator") & (eff.year == 2050)].iterrows():
        fig(
            f"accelerator rails {r['rails']}: firms added by 2050 (unshocked, vs baseline)",
            f"{r['d_firms']:.2f} thousand",
        )
    bp = breaking_points(res)
    for _, r in bp[bp.scenario == "accelerator"].iterrows():
        fig(
            f"breaking point, rails {r['rails']}: {r['event']}",
            "none up to 1" if np.isnan(r["rate"]) else f"{r['rate']:g}",
        )


def credit_cycle_png(runs: dict[str, pd.DataFrame], m, path: Path) -> None:
    """The banker's view of the credit cycle: NPL ratio, risk appetite, risk capital coverage and
    loans against the baseline, baseline and default wave."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from cycle.plotting.style import setup

    setup("en")
    base, wave = runs["baseline"], runs["wave"]
    tol = m.defaults["NPL Tolerance Policy"]
    fig_, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharex=True)
    series = [
        ("NPL ratio (% of tech loans)", "NPL Ratio", 100),
        ("Bank risk appetite (1 = full willingness)", "Bank Risk Appetite", 1),
        ("Tech risk capital (% of the requirement)", "Bank Capital Coverage", 100),
    ]
    for ax, (title, name, scale) in zip(axes.flat, series, strict=False):
        ax.plot(base.index, scale * base[name], color="black", lw=1.8, label="baseline")
        ax.plot(wave.index, scale * wave[name], color="#D55E00", lw=1.8, label="default wave")
        ax.set_title(title, fontsize=11, loc="left")
    axes[0, 0].axhline(100 * tol, color="grey", ls="--", lw=1)
    axes[0, 0].annotate(
        f"NPL tolerance {100 * tol:g} %",
        (2040.5, 100 * tol),
        xytext=(0, -12),
        textcoords="offset points",
        color="grey",
        fontsize=9,
    )
    axes[1, 0].axhline(100, color="grey", ls="--", lw=1)
    axes[1, 0].set_ylim(0, 110)
    axes[0, 1].set_ylim(0, 1.05)
    axes[0, 0].legend(loc="upper right", frameon=False)
    ax = axes[1, 1]
    gap = 100 * (wave["Tech Loan Balance"] / base["Tech Loan Balance"] - 1)
    ax.fill_between(gap.index, gap, 0, color="#D55E00", alpha=0.25, lw=0)
    ax.plot(gap.index, gap, color="#D55E00", lw=1.8)
    ax.axhline(0, color="black", lw=1)
    ax.set_title("Tech loans under the wave (% against the baseline)", fontsize=11, loc="left")
    i = int(np.argmin(gap.to_numpy()))
    ax.annotate(
        f"{gap.iloc[i]:.0f} % ({gap.index[i]:g})",
        (gap.index[i], gap.iloc[i]),
        xytext=(8, -2),
        textcoords="offset points",
        fontsize=9,
    )
    for ax in axes.flat:
        ax.axvspan(2030, 2031, color="grey", alpha=0.12, lw=0)
        ax.axvspan(2021, 2024.5, color="#0072B2", alpha=0.06, lw=0)
        ax.grid(alpha=0.3)
        ax.set_xlim(2021, 2050)
    for ax in axes[1]:
        ax.set_xlabel("year")
    fig_.suptitle(
        "The credit cycle: the 2021-24 lending boom (blue band) and a default wave\n"
        "(five times the normal default rate for one year from 2030, grey band)",
        fontsize=11,
    )
    fig_.text(
        0.01,
        0.005,
        "Model northeast, calibrated baseline; docs/readme_figures.py --figures",
        fontsize=8,
        color="grey",
    )
    fig_.tight_layout(rect=(0, 0.02, 1, 0.96))
    fig_.savefig(path, dpi=110)
    plt.close(fig_)
    print(f"\nwrote {path}")


CLI_PNGS = {  # docs PNG: (the command the README shows, the file it writes in --out)
    "key_stocks.png": (["run"], "key_stocks.png"),
    "fan_charts.png": (
        ["ensemble", "baseline", "package_2025", "--samples", "1000", "--seed", "1"],
        "fan_charts.png",
    ),
    "stress_dashboard.png": (
        ["stress", "accelerator", "--shock", "default_wave"],
        "dashboard_accelerator_default_wave.png",
    ),
}


def cli_pngs() -> None:
    """Redraw the docs PNGs that `cycle` commands draw, and the explorer screenshots."""
    import shutil
    import subprocess
    import sys
    import tempfile

    from cycle.cli.main import main as cycle

    with tempfile.TemporaryDirectory() as tmp:
        for png, (argv, made) in CLI_PNGS.items():
            out = Path(tmp) / png.removesuffix(".png")
            print(f"cycle {' '.join(argv)}  ->  docs/{png}")
            if cycle([*argv, "--out", str(out)]) != 0:
                raise SystemExit(f"cycle {' '.join(argv)} failed")
            shutil.copyfile(out / made, DOCS / png)
    bench = [sys.executable, str(DOCS.parent / "bench" / "bench_explore.py"), "--runs", "50", "--moves", "5"]
    print(f"{' '.join(bench[1:])} --screenshots docs  ->  docs/explorer_en.png, docs/explorer_zh.png")
    subprocess.run([*bench, "--screenshots", str(DOCS)], check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--mdl-values", action="store_true", help="the .mdl values instead of the calibrated mode"
    )
    ap.add_argument("--figures", action="store_true", help="also redraw every PNG in docs/")
    args = ap.parse_args()
    if args.figures and args.mdl_values:
        ap.error("--figures draws the docs figures from the calibrated model; drop --mdl-values")
    m = load_model(calibrated=not args.mdl_values)
    print(
        f"model {m.name} sha256 {m.sha256[:12]}; "
        + (f"calibrated mode from {m.calibration_file.name}" if m.calibration else ".mdl values")
    )
    runs = model_sections(m)
    lever_section(m)
    stress_section(m)
    if args.figures:
        credit_cycle_png(runs, m, DOCS / "credit_cycle.png")
        cli_pngs()


if __name__ == "__main__":
    main()
