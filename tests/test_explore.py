"""The explorer and report pages without a browser: what they embed, and the CLI's checks.

The browser tests (tests/test_explore_browser.py) run the pages in Chromium.
"""

from __future__ import annotations

import json
import re

import pytest

from cycle.cli.main import main
from cycle.engine import tree as T
from cycle.engine.emit_js import JSRenderer
from cycle.explore import payload as P
from cycle.explore.fonts import missing_glyphs
from cycle.explore.i18n import all_zh_text, zh_labels
from cycle.explore.jsmodel import javascript_model
from cycle.levers import LEVERS


@pytest.fixture(scope="module")
def page(model):
    from cycle.explore.page import explorer_html

    return explorer_html(["reloan"], lang="en", model=model)


def _data(html: str) -> dict:
    text = re.search(r"window\.CYCLE_DATA = (.*?);</script>", html, re.S).group(1)
    return json.loads(text)


def test_js_renderer():
    r = JSRenderer({"_LK_t": ((0.0, 1.0), (0.0, 2.0), "interpolate")})
    expr = T.Call("max", (T.Num(0.0), T.Op("*", (T.Ref("v_a"), T.Op("^", (T.Ref("v_b"), T.Num(2.0)))))))
    assert r(expr) == "Math.max(0.0, v_a * (_pow(v_b, 2.0)))"
    cond = T.Call("if_then_else", (T.Op(">=", (T.Ref("_time"), T.Ref("v_end"))), T.Num(0.0),
                                   T.Op("neg", (T.Ref("v_x"),))))
    assert r(cond) == "((((_time >= v_end) ? 1 : 0)) ? (0.0) : (-v_x))"
    assert r(T.Lookup("_LK_t", T.Ref("v_x"))) == '_lookup(v_x, _LK_t_x, _LK_t_y, "interpolate")'
    # every neutral function of the engine has a JavaScript rendering
    for fn, (nargs, _doc) in T.FUNCTIONS.items():
        assert r.call(fn, [f"a{i}" for i in range(nargs or 3)])


def test_generated_js_has_equations_and_hash(model):
    js = javascript_model(model.path)
    assert f"// source sha256: {model.sha256}" in js
    lines = js.splitlines()
    # every generated assignment of a model variable sits under its Vensim equation
    for i, line in enumerate(lines):
        m = re.match(r"\s+(v_\w+) = .*;$", line)
        if m and "C[" not in line:
            above = lines[i - 1].strip()
            assert above.startswith("//"), f"no equation above {line.strip()[:60]}"
    assert "Tech Loan Balance = INTEG" in js


def test_page_embeds_everything(page, model):
    assert "<script src" not in page and "<link" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']https?:""", page)
    assert "default-src 'none'" in page  # the page may not fetch anything
    assert "@font-face{font-family:'CycleCJK'" in page
    data = _data(page)
    assert [lv["name"] for lv in data["levers"]] == list(LEVERS)
    for lever in data["levers"]:
        for f in lever["settings"] + lever["time"]:
            var = model.variables[f["variable"]]
            assert f["units"] == var.units and f["doc"] == var.doc
            assert f["default"] == model.defaults[f["variable"]]
    assert data["initial_scenario"] == "reloan"
    assert {"baseline", "reloan", "package_2025"} <= {s["name"] for s in data["scenarios"]}
    assert data["model"]["sha256"] == model.sha256
    assert data["uncertainty"] is None or len(data["uncertainty"]["values"]) == P.BAND_MEMBERS


def test_panels_from_model(model):
    panels = P.panels(model)
    names = [v for p in panels for v in p["variables"]]
    assert "Tech Loan Balance" in names and "NPL Ratio" in names
    firms = next(p for p in panels if p["title"] == "Firms by stage")["variables"]
    assert firms and all(model.variables[v].kind == "stock" for v in firms)


def test_zh_labels_cover_the_page(model):
    zh = zh_labels()
    panel_vars = [v for p in P.panels(model) for v in p["variables"]]
    assert all(v in zh["variables"] for v in panel_vars)
    assert all(lv in zh["levers"] for lv in LEVERS)
    keys = {s.name for lv in LEVERS.values() for s in lv.settings}
    assert keys <= set(zh["settings"])
    assert missing_glyphs(all_zh_text()) == ""


def test_page_metrics_are_the_spec_compare_evaluates(model, page):
    """The page embeds cycle.metrics' spec, and its rows are exactly those of compare's table."""
    from cycle import metrics as M
    from cycle.compare import _metrics

    run = model.run()
    ref = _metrics(model, {"baseline": run}, model.final_time)
    spec = _data(page)["metric_spec"]
    assert spec == json.loads(json.dumps(M.spec_json(model, model.final_time)))
    assert spec["ops"] == list(M.OPS)
    assert [m["name"] for m in spec["metrics"]] == list(dict.fromkeys(ref["metric"]))
    got = [(m["name"], y, m["units"]) for m in spec["metrics"] for y in m["row_years"]]
    want = [(m, None if y != y else y, u) for m, y, u in zip(ref["metric"], ref["year"], ref["units"],
                                                            strict=True)]
    assert got == want
    assert "Year tech loans double end-2021" not in got[0] + tuple(ref["metric"])


def test_page_scripts_hold_no_metric_formula():
    """The JavaScript knows the operations, not the metrics: no metric or variable it reads is named."""
    from cycle import metrics as M
    from cycle.explore.page import ASSETS

    js = "".join((ASSETS / f).read_text(encoding="utf-8") for f in ("metrics.js", "explorer.js", "common.js"))
    names = {m.name for m in [*M.METRICS, M.LOAN_DOUBLING]} | set(M.required_variables())
    assert [n for n in names if n in js] == []
    for op in M.OPS:
        assert f"{op}(" in (ASSETS / "metrics.js").read_text(encoding="utf-8")


def test_metric_labels_have_glyphs():
    from cycle import metrics as M

    assert all(m.zh for m in M.METRICS if m.op != "value_at")
    assert missing_glyphs("".join(m.zh for m in [*M.METRICS, M.LOAN_DOUBLING])) == ""


def test_cli_explore_bad_input(tmp_path, capsys):
    out = tmp_path / "x.html"
    assert main(["explore", "--lang", "fr", "--out", str(out)]) == 2
    assert main(["explore", "nosuchscenario", "--out", str(out)]) == 2
    assert "nosuchscenario" in capsys.readouterr().err
    assert main(["explore", "--out", str(tmp_path / "x.txt")]) == 2
    bad = tmp_path / "bad.toml"
    bad.write_text("[levers.reloan]\nquota = 900\n")
    assert main(["explore", str(bad), "--out", str(out)]) == 2
    assert "levers.reloan.quota = 900 is outside the range [0, 500]" in capsys.readouterr().err
    assert not out.exists()


def test_cli_explore_writes_one_file(tmp_path, capsys):
    out = tmp_path / "sub" / "e.html"
    assert main(["explore", "package_2025", "--lang", "zh", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    assert [p.name for p in out.parent.iterdir()] == ["e.html"]
    assert _data(out.read_text(encoding="utf-8"))["lang"] == "zh"


def test_cli_report_bad_input(tmp_path, capsys):
    assert main(["report", "nosuch", "--out", str(tmp_path / "r.html")]) == 2
    assert not (tmp_path / "r.html").exists()


def test_payload_of_a_model_of_ones_own(own_model):
    """A model without the Northeast variables gets its stocks as panels, instead of the
    levers (none has a constant in it) a field for each of its constants, set as [params],
    and of the shipped scenarios only the baseline; a Northeast scenario asked for is
    refused, naming the missing constant."""
    from cycle import load_model
    from cycle.errors import UnknownNameError

    m = load_model(own_model())
    assert P.panels(m) == [{"title": "Made", "variables": ["Made"], "units": "Widgets"}]
    (group,) = P.lever_payload(m)
    assert (group["name"], group["params"], group["time"]) == (P.CONSTANTS_GROUP, True, [])
    assert [(f["key"], f["variable"], f["units"], f["default"], f["lo"], f["hi"])
            for f in group["settings"]] == [("Rate", "Rate", "1/Year", 0.05, 0, 0.5)]
    assert [s["name"] for s in P.scenario_payload([], m)] == ["baseline"]
    with pytest.raises(UnknownNameError, match="has no constant 'Reloan Quota Policy'"):
        P.scenario_payload(["reloan"], m)
