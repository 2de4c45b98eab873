"""The stress dashboard: one PNG per scenario and shock.

Panels: capital adequacy and risk-reserve coverage against their floors, exposure against
the circuit breaker's share of GDP, bad assets against the AMCs' disposal capacity, tech loans
and firms, and the accelerator's losses by bearer from the shock year on (stacked), with guard
rails on and off (every bearer's losses are in ``losses.csv``; a scenario without an
accelerator shows all bearers).
Lines: solid = shocked, dotted = unshocked; blue = guard rails on, red = off.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from cycle.io.files import save_figure
from cycle.stress.measures import ACCELERATOR_BEARERS, BEARERS, FIRM_STOCKS
from cycle.stress.rails import MIN_EXPOSURE
from cycle.stress.runner import StressResult

__all__ = ["plot_dashboard", "PLOT_FROM"]

PLOT_FROM = 2024.0
"""First year shown."""

_COLORS = {True: "tab:blue", False: "tab:red"}

_ZH = {
    "Capital adequacy (dash-dot: after the stress test's loss)": "资本充足率(点划线:扣除压力测试损失后)",
    "Risk-reserve coverage (reserve / exposure)": "风险准备金覆盖率(准备金/敞口)",
    "Exposure / regional GDP (circuit breaker)": "敞口占地区GDP之比(熔断机制)",
    "Accelerator bad assets vs AMC disposal capacity": "加速器不良资产与AMC处置能力",
    "Tech loan balance": "科技贷款余额",
    "Technology firms (start-ups + established)": "科技企业(初创及以后各阶段)",
    "NPL ratio of tech loans": "科技贷款不良率",
    "Accelerator losses by bearer from {year}, shocked, guard rails {state}":
        "{year}年起加速器损失的承担方(冲击情景,护栏{state})",
    "Losses by bearer from {year}, shocked": "{year}年起各承担方损失(冲击情景)",
    "on": "开", "off": "关",
    "rails on": "护栏开", "rails off": "护栏关", "shocked": "冲击", "unshocked": "无冲击",
    "after stress-test loss, rails {state}": "扣除压力测试损失后,护栏{state}",
    "AMC disposal capacity (per year)": "AMC年处置能力",
    "floor {x} %": "下限 {x}%", "cap {x} % of GDP": "上限:GDP的{x}%",
    "% of GDP": "占GDP %", "bn yuan": "十亿元",
    "bn yuan (capacity: bn yuan disposable per year)": "十亿元(处置能力:十亿元/年)",
    "thousand firms": "千家企业", "bn yuan, cumulative": "十亿元,累计", "no losses": "无损失",
    "year (2022.0 = end of 2021; grey line: shock)": "年份(2022.0 = 2021年末;灰线:冲击)",
    "Stress dashboard: {scenario} under {shock} (rate {rate}) from {year}{note}":
        "压力测试仪表盘:{scenario},冲击 {shock}(幅度 {rate}),{year}年起{note}",
    " (no accelerator in this scenario: guard rails do not apply)": "(本情景无加速器:护栏不适用)",
    "accelerator capital": "加速器资本", "accelerator risk reserve": "加速器风险准备金",
    "local government (accelerator)": "地方政府(加速器)", "asset-management companies": "资产管理公司",
    "banks": "银行", "guarantors": "担保机构", "central bank": "央行",
    "local government (bonds)": "地方政府(债券)", "credit enhancers": "增信机构",
    "bond investors": "债券投资者",
}
"""Chinese plot texts (``--lang zh``); keys are the English texts, with {placeholders}."""

_LANG = {"lang": "en"}


def _t(text: str, **kw) -> str:
    """`text` in the dashboard's language, placeholders filled."""
    template = _ZH.get(text, text) if _LANG["lang"] == "zh" else text
    return template.format(**kw) if kw else template
_BEARER_COLORS = ["#4c72b0", "#8fb1e0", "#dd8452", "#c44e52", "#55a868", "#937860",
                  "#8172b3", "#da8bc3", "#8c8c8c", "#ccb974"]


def _lines(ax, result: StressResult, scenario: str, shock: str, variable: str, scale: float = 1.0):
    for rails in (True, False):
        for sh, style in ((shock, "-"), (None, ":")):
            df = result.run(scenario, rails, sh)
            df = df[df.index >= PLOT_FROM]
            y = df[variable].to_numpy() * scale
            y = np.where(df["Accelerator Exposure"].to_numpy() > MIN_EXPOSURE, y, np.nan)
            label = (f"{_t('rails on' if rails else 'rails off')}, "
                     f"{_t('shocked' if sh else 'unshocked')}")
            ax.plot(df.index, y, style, color=_COLORS[rails], lw=2 if sh else 1.4, label=label)


def _active(df, variable: str) -> np.ndarray:
    df = df[df.index >= PLOT_FROM]
    return np.where(df["Accelerator Exposure"].to_numpy() > MIN_EXPOSURE,
                    df[variable].to_numpy(), np.nan)


def _limit(ax, value: float, label: str):
    ax.axhline(value, color="black", ls="--", lw=1.2, label=label)


def _shock_line(ax, year: float):
    ax.axvline(year, color="grey", lw=1, alpha=0.7)


def _series_panel(ax, result: StressResult, scenario: str, shock: str, label: str, values,
                  unit: str, rails_both: bool = True):
    """Shocked (solid) and unshocked (dotted) lines of `values(df)`, rails on and off."""
    for rails in ((True, False) if rails_both else (False,)):
        for sh, style in ((shock, "-"), (None, ":")):
            df = result.run(scenario, rails, sh)
            df = df[df.index >= PLOT_FROM]
            name = (f"{_t('rails on' if rails else 'rails off')}, " if rails_both else "") + \
                _t("shocked" if sh else "unshocked")
            ax.plot(df.index, values(df), style, color=_COLORS[rails] if rails_both else "black",
                    lw=2 if sh else 1.4, label=name)
    ax.set_title(_t(label), fontsize=11)
    ax.set_ylabel(_t(unit))
    ax.set_ylim(bottom=0)
    if not rails_both:
        ax.legend(fontsize=8, loc="upper left")


def _stacked_losses(ax, result: StressResult, scenario: str, shock: str, rails: bool, title: str,
                    bearers: dict[str, str] = BEARERS):
    """Cumulative losses of `bearers` from the shock year, stacked; bearers with less than
    0.1 % of the total are left out (the waterfall's layers pass on slivers)."""
    df = result.run(scenario, rails, shock)
    df = df[df.index >= PLOT_FROM]
    j = int(np.searchsorted(df.index.to_numpy(), result.year - 1e-9))
    base = {b: df[v].to_numpy() - df[v].to_numpy()[min(j, len(df) - 1)] for b, v in bearers.items()}
    after = df.index.to_numpy() >= result.year
    total = max(sum(np.abs(v[after]).max(initial=0.0) for v in base.values()), 1e-9)
    series = {b: np.where(after, v, 0.0) for b, v in base.items()
              if np.abs(v[after]).max(initial=0.0) > max(1e-3 * total, 1e-6)}
    if series:
        colors = [_BEARER_COLORS[list(BEARERS).index(b) % len(_BEARER_COLORS)] for b in series]
        ax.stackplot(df.index, *series.values(), labels=[_t(b) for b in series], colors=colors,
                     alpha=0.85)
        ax.legend(fontsize=8, loc="upper left")
    else:
        ax.text(0.5, 0.5, _t("no losses"), ha="center", va="center", transform=ax.transAxes)
    ax.set_title(title, fontsize=11)
    ax.set_ylabel(_t("bn yuan, cumulative"))


def _firms(df):
    return sum(df[v] for v in FIRM_STOCKS)


def plot_dashboard(result: StressResult, scenario: str, shock: str, path: str | os.PathLike,
                   *, accelerator: bool = True, lang: str = "en") -> Path:
    """Draw the stress dashboard of `scenario` under `shock` and save it to `path` (PNG/SVG).

    With an accelerator: capital adequacy (and, dash-dot, capital adequacy after the stress
    test's loss) and reserve coverage against their floors, exposure against the circuit
    breaker, bad assets against AMC capacity, tech loans and firms, the accelerator's losses by
    bearer stacked (rails on, rails off). Without one: tech loans, firms, the NPL ratio and losses by bearer.
    `lang`: ``"en"`` or ``"zh"`` labels.
    """
    from cycle.plotting.style import new_figure, setup

    setup(lang)  # registers the CJK font
    _LANG["lang"] = lang

    sh, rate, _ = result.shocks[shock]
    if not accelerator:
        fig = new_figure(figsize=(14, 9), layout="constrained")
        axes = fig.subplots(2, 2)
        _series_panel(axes[0, 0], result, scenario, shock, "Tech loan balance",
                      lambda d: d["Tech Loan Balance"], "bn yuan", rails_both=False)
        _series_panel(axes[0, 1], result, scenario, shock, "Technology firms (start-ups + established)",
                      _firms, "thousand firms", rails_both=False)
        _series_panel(axes[1, 0], result, scenario, shock, "NPL ratio of tech loans",
                      lambda d: 100 * d["NPL Ratio"], "%", rails_both=False)
        _stacked_losses(axes[1, 1], result, scenario, shock, False,
                        _t("Losses by bearer from {year}, shocked", year=f"{result.year:g}"))
        note = _t(" (no accelerator in this scenario: guard rails do not apply)")
    else:
        fig = new_figure(figsize=(14, 17), layout="constrained")
        axes = fig.subplots(4, 2)
        on = result.run(scenario, True, shock)
        floor_car = float(on["Minimum Capital Adequacy"].iloc[0]) * 100
        floor_res = float(on["Minimum Reserve Coverage"].iloc[0]) * 100
        cap = float(on["Credit Cap Share of GDP"].iloc[0]) * 100
        panels = [
            (axes[0, 0], "Capital adequacy (dash-dot: after the stress test's loss)",
             "Accelerator Capital Adequacy", floor_car, _t("floor {x} %", x=f"{floor_car:g}"), "%"),
            (axes[0, 1], "Risk-reserve coverage (reserve / exposure)", "Reserve Coverage Ratio",
             floor_res, _t("floor {x} %", x=f"{floor_res:g}"), "%"),
            (axes[1, 0], "Exposure / regional GDP (circuit breaker)", "Accelerator Credit to GDP",
             cap, _t("cap {x} % of GDP", x=f"{cap:g}"), "% of GDP"),
        ]
        for ax, title, var, lim, lim_label, unit in panels:
            ax.set_title(_t(title), fontsize=11)
            ax.set_ylabel(_t(unit))
            _lines(ax, result, scenario, shock, var, 100)
            data = [_active(result.run(scenario, r, s), var) * 100
                    for r in (True, False) for s in (shock, None)]
            if var == "Accelerator Capital Adequacy":
                for rails in (True, False):
                    df = result.run(scenario, rails, shock)
                    y = _active(df, "Stressed Capital Adequacy") * 100
                    ax.plot(df.index[df.index >= PLOT_FROM], y, "-.", color=_COLORS[rails], lw=1.1,
                            label=_t("after stress-test loss, rails {state}",
                                     state=_t("on" if rails else "off")))
                    data.append(y)
                ax.legend(fontsize=8, loc="upper right")
            _limit(ax, lim, lim_label)
            data = np.concatenate(data)
            top = np.nanpercentile(data, 98) if np.isfinite(data).any() else lim
            low = np.nanmin(data) if np.isfinite(data).any() else 0.0
            ax.set_ylim(bottom=min(0.0, low * 1.1), top=max(lim * 2.2, min(top * 1.15, lim * 6)))
        ax = axes[1, 1]
        ax.set_title(_t("Accelerator bad assets vs AMC disposal capacity"), fontsize=11)
        ax.set_ylabel(_t("bn yuan (capacity: bn yuan disposable per year)"))
        _lines(ax, result, scenario, shock, "Accelerator Bad Assets")
        df = on[on.index >= PLOT_FROM]
        ax.plot(df.index, df["AMC Disposal Capacity"], "--", color="black", lw=1.2,
                label=_t("AMC disposal capacity (per year)"))
        _series_panel(axes[2, 0], result, scenario, shock, "Tech loan balance",
                      lambda d: d["Tech Loan Balance"], "bn yuan")
        _series_panel(axes[2, 1], result, scenario, shock,
                      "Technology firms (start-ups + established)", _firms, "thousand firms")
        for ax, rails in ((axes[3, 0], True), (axes[3, 1], False)):
            _stacked_losses(ax, result, scenario, shock, rails,
                            _t("Accelerator losses by bearer from {year}, shocked, guard rails "
                               "{state}", year=f"{result.year:g}", state=_t("on" if rails else "off")),
                            bearers=ACCELERATOR_BEARERS)
        note = ""
        handles, labels = axes[1, 1].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=9)
    for ax in axes.flat:
        ax.grid(alpha=0.3)
        ax.set_xlim(PLOT_FROM, result.until)
        _shock_line(ax, result.year)
    for ax in axes[-1]:
        ax.set_xlabel(_t("year (2022.0 = end of 2021; grey line: shock)"))
    fig.suptitle(_t("Stress dashboard: {scenario} under {shock} (rate {rate}) from {year}{note}",
                    scenario=scenario, shock=shock, rate=f"{rate:g}", year=f"{result.year:g}",
                    note=note), fontsize=13)
    return save_figure(fig, path, dpi=100)
