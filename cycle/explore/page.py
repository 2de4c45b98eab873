"""Write the explorer and the report as single self-contained HTML files.

Both pages embed Apache ECharts (``assets/echarts.common.min.js``, Apache-2.0, see
``assets/ECHARTS-LICENSE.txt``), a per-page subset of the CJK font (:mod:`cycle.explore.fonts`),
their styles, scripts and data; a Content-Security-Policy forbids every network request.
"""

from __future__ import annotations

import json
import math
import os
import re
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cycle.explore import payload as P
from cycle.explore.fonts import font_face_css
from cycle.explore.i18n import LANGS, untranslated, zh_labels
from cycle.outputs import write_text

__all__ = ["build_explorer", "build_report", "explorer_html", "report_html", "PLOT_FROM", "PLOT_TO"]

ASSETS = Path(__file__).parent / "assets"
PLOT_FROM = 2021.0
"""First year drawn (the model starts at INITIAL TIME; the issue asks for 2021-2050)."""
PLOT_TO = 2050.0
"""Last year drawn (or the run's final year if earlier)."""

CREDITS = ("Charts: Apache ECharts 6.1.0 (Apache-2.0). Font: Noto Sans CJK SC subset "
           "(SIL Open Font License 1.1).")


def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def _json(data: Any) -> str:
    """JSON safe inside a ``<script>`` element (no ``</``, no U+2028/2029)."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _script(text: str) -> str:
    return text.replace("</script", "<\\/script")


def _fill(template: str, parts: dict[str, str]) -> str:
    return re.sub(r"\{\{([A-Z_]+)\}\}", lambda m: parts[m.group(1)], template)


def _page_text(data: dict) -> str:
    """Every text the page can show in Chinese (for the font subset)."""
    zh = json.dumps([data["zh"], data.get("metric_zh", {})], ensure_ascii=False)
    scenarios = [data.get("scenarios", []), data.get("manifest", {}).get("scenarios", {})]
    return zh + json.dumps(scenarios, ensure_ascii=False) + "English中文–—·±σ…"


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"--lang must be one of {', '.join(LANGS)}, got {lang!r}")


def _warn_untranslated(model, panels: list[dict]) -> None:
    from cycle.levers import LEVERS

    names = [v for p in panels for v in p["variables"]]
    missing = untranslated(names, list(LEVERS))
    if missing:
        warnings.warn(f"no Chinese label for {', '.join(missing)} (add them to "
                      "cycle/explore/labels_zh.toml); the zh page shows them in English", stacklevel=3)


def explorer_html(scenarios: list[str], *, lang: str = "en", model="northeast") -> str:
    """The explorer page for `model`, offering the shipped scenarios and `scenarios`.

    The first of `scenarios` (if any) is loaded into the controls when the page opens.
    Every scenario is checked before anything is built (errors name the file and key).
    """
    from cycle.explore.jsmodel import javascript_model
    from cycle.model import load_model

    _check_lang(lang)
    m = model if hasattr(model, "run") else load_model(model)
    scen = P.scenario_payload(scenarios, m)  # checks every scenario first
    final = m.final_time
    panels = P.panels(m)
    _warn_untranslated(m, panels)
    js_model = javascript_model(m.path)
    band = P.uncertainty_payload(m)
    data = {
        "lang": lang,
        "model": {"name": m.name, "sha256": m.sha256, "initial_time": m.initial_time,
                  "final_time": final},
        "calibration": dict(m.calibration),
        "levers": P.lever_payload(m),
        "scenarios": scen,
        "initial_scenario": P.scenario_name(scenarios[0], m) if scenarios else "baseline",
        "panels": panels,
        "observed": P.observed_payload(m),
        "uncertainty": band,
        "metric_spec": P.metric_spec(m, final),
        "metric_zh": P.metric_zh(),
        "plot_from": max(PLOT_FROM, m.initial_time), "plot_to": min(PLOT_TO, final),
        "zh": zh_labels(),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    parts = {
        "TITLE": f"cycle explore — {m.name}", "FONT_CSS": font_face_css(_page_text(data)),
        "CSS": _asset("style.css"), "ECHARTS": _script(_asset("echarts.common.min.js")),
        "DATA": _json(data), "MODEL": _script(js_model), "COMMON": _script(_asset("common.js")),
        "METRICS": _script(_asset("metrics.js")), "APP": _script(_asset("explorer.js")), "CREDITS": CREDITS,
    }
    return _fill(_asset("explorer.html"), parts)


def _readable(path: Path) -> Path:
    """Give a written page the permissions of a newly created file (the temp file had 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)
    return path


def build_explorer(scenarios: list[str], *, out: str | os.PathLike = "explorer.html", lang: str = "en",
                   model="northeast") -> Path:
    """Write the explorer page to `out` (atomically) and return its path."""
    return _readable(write_text(Path(out), explorer_html(scenarios, lang=lang, model=model)))


# -- the report ---------------------------------------------------------------------------------

def _nan_to_none(x):
    return None if isinstance(x, float) and not math.isfinite(x) else x


def report_html(result, *, lang: str = "en", argv: list[str] | None = None) -> str:
    """The static report page of a :class:`cycle.compare.ComparisonResult`."""
    from cycle.manifest import package_versions

    _check_lang(lang)
    m = result.model
    panels = P.panels(m)
    _warn_untranslated(m, panels)
    names = [s.name for s in result.scenarios]
    wanted = [v for p in panels for v in p["variables"]]
    traj = result.trajectories
    have = set(traj["variable"])
    missing = [v for v in wanted if v not in have]  # panels cycle compare does not keep (firms)
    series: dict[str, dict[str, list]] = {}
    times = None
    for name in names:
        sub = traj[traj["scenario"] == name]
        extra = (m.run(result.params[name], until=result.until, columns=missing)
                 if missing else None)
        series[name] = {}
        for var in wanted:
            if var in have:
                s = sub[sub["variable"] == var].sort_values("time")
                t, values = s["time"].tolist(), s["value"].tolist()
            else:
                t, values = extra.index.tolist(), extra[var].tolist()
            if times is None:
                times = t
            series[name][var] = [_nan_to_none(float(x)) for x in values]
    met = result.metrics
    metrics = [{"scenario": r.scenario, "metric": r.metric, "year": _nan_to_none(float(r.year)),
                "units": r.units, "value": _nan_to_none(float(r.value)),
                "difference": _nan_to_none(float(r.difference))} for r in met.itertuples()]
    manifest = {
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": argv or [],
        "model": {"name": m.name, "file": str(m.path), "sha256": m.sha256},
        "calibration": {"file": str(getattr(m, "calibration_file", None) or ""),
                        "values": dict(getattr(m, "calibration", {}))},
        "until": result.until,
        "scenarios": {s.name: {"source": str(s.source) if s.source else None,
                               "description": " ".join(s.description.split()),
                               "description_zh": " ".join(s.description_zh.split()),
                               "levers": s.levers, "params": s.params,
                               "overrides": result.params[s.name]} for s in result.scenarios},
        "versions": package_versions(),
    }
    data = {
        "lang": lang, "model": manifest["model"], "scenarios": names,
        "starts": {k: _nan_to_none(float(v)) for k, v in result.starts.items()},
        "times": times, "series": series, "panels": panels, "observed": P.observed_payload(m),
        "units": {v: m.variables[v].units for v in wanted},
        "metrics": metrics, "metric_zh": P.metric_zh(), "metric_formulas": P.metric_formulas(),
        "manifest": manifest, "zh": zh_labels(),
        "plot_from": max(PLOT_FROM, m.initial_time), "plot_to": min(PLOT_TO, result.until),
    }
    parts = {
        "TITLE": f"cycle report — {', '.join(names)}", "FONT_CSS": font_face_css(_page_text(data)),
        "CSS": _asset("style.css"), "ECHARTS": _script(_asset("echarts.common.min.js")),
        "DATA": _json(data), "COMMON": _script(_asset("common.js")),
        "APP": _script(_asset("report.js")), "CREDITS": CREDITS,
    }
    return _fill(_asset("report.html"), parts)


def build_report(scenarios: list[str], *, out: str | os.PathLike = "report.html", lang: str = "en",
                 model="northeast", until: float | None = None, argv: list[str] | None = None,
                 progress: bool = True) -> Path:
    """Run ``cycle compare``'s comparison of `scenarios` and write its report page to `out`."""
    from cycle.compare import compare

    _check_lang(lang)
    result = compare(scenarios, until=until, model=model, progress=progress)
    return _readable(write_text(Path(out), report_html(result, lang=lang, argv=argv)))
