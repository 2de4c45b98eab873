"""The explorer and the report in a real browser (Playwright driving Debian's Chromium).

Every page is opened from ``file://`` with every other request aborted and recorded.
Skipped, with the reason, where Playwright or Chromium is missing (``.ci/run`` installs both).
"""

from __future__ import annotations

import base64
import io
import math
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cycle.cli.main import main

CHROMIUM = os.environ.get("CYCLE_CHROMIUM", "/usr/bin/chromium")


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install '.[test]')"
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CYCLE_CHROMIUM)"
    return None


pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(_missing() is not None, reason=f"browser tests: {_missing()}")]

RTOL = 1e-9


def close(a, b, rtol=RTOL) -> bool:
    if a is None or b is None:
        return (a is None or (isinstance(a, float) and math.isnan(a))) and \
               (b is None or (isinstance(b, float) and math.isnan(b)))
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= rtol * max(1.0, abs(b))


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    yield b
    b.close()
    pw.stop()


class Opened:
    """A page opened offline: the page, the requests it tried, its console errors."""

    def __init__(self, browser, path: Path,
                 ready: str = "window.cycleExplorer && window.cycleExplorer.ready"):
        self.context = browser.new_context(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
        self.requests: list[str] = []
        self.errors: list[str] = []

        def route(r):
            self.requests.append(r.request.url)
            if r.request.url.startswith("file:"):
                r.continue_()
            else:
                r.abort()

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(path.resolve().as_uri())
        self.page.wait_for_function(ready, timeout=30000)

    def js(self, expr: str, arg=None):
        return self.page.evaluate(expr, arg)

    def close(self):
        self.context.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory, model):
    from cycle.explore.page import build_explorer

    d = tmp_path_factory.mktemp("pages")
    return {"en": build_explorer([], out=d / "explorer.html", model=model),
            "zh": build_explorer(["package_2025"], out=d / "explorer_zh.html", lang="zh", model=model)}


@pytest.fixture()
def explorer(browser, built):
    opened = Opened(browser, built["en"])
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def engine(model):
    from cycle.engine import build_engine

    return build_engine(model.path)


def _engine_runs(engine, model, settings: list[dict[str, float]]):
    """The batch engine (NumPy loop) on each settings dict, calibrated defaults underneath."""
    names = sorted({k for s in settings for k in s} | set(model.calibration))
    params = {n: np.array([{**model.calibration, **s}.get(n, model.defaults[n]) for s in settings])
              for n in names}
    return engine.run(params, n=len(settings), backend="numpy")


def _random_settings(model, rng) -> dict[str, float]:
    from cycle.levers import LEVERS

    out = {}
    for lever in LEVERS.values():
        for s in lever.settings:
            lo, hi = model.variables[s.variable_name].limits
            lo = 0.0 if math.isnan(lo) else lo
            hi = 2 * max(1.0, model.defaults[s.variable_name]) if math.isnan(hi) else hi
            out[s.variable_name] = float(rng.uniform(lo, hi))
        for c in lever.constraints:  # keep joint constraints (loss shares sum to at most 1)
            names = [lever.setting(k).variable_name for k in c.settings]
            total = sum(out[n] for n in names)
            if total > c.limit:
                for n in names:
                    out[n] *= c.limit / total * 0.999
        tc = lever.time_constants()
        out[tc["start"]] = float(rng.uniform(2021, 2045))
        out[tc["ramp"]] = float(rng.uniform(0, 5))
    return out


def test_generated_model_agrees_with_engine(browser, built, model, engine):
    """Baseline, every shipped scenario and random lever settings: every variable, every saved time."""
    from cycle.scenarios import available_scenarios, load_scenario

    settings = [{}]
    labels = ["baseline"]
    for name in available_scenarios():
        settings.append(load_scenario(name, model).to_params(model))
        labels.append(name)
    rng = np.random.default_rng(20261129)
    for i in range(4):
        settings.append(_random_settings(model, rng))
        labels.append(f"random {i}")
    ref = _engine_runs(engine, model, settings)
    opened = Opened(browser, built["en"])
    try:
        consts = opened.js("CycleModel.CONSTANTS")
        outputs = opened.js("CycleModel.OUTPUTS")
        assert set(outputs) == set(engine.variables)
        vectors = [[{**model.defaults, **s}[c] if c in model.defaults else engine.constants[c]
                    for c in consts] for s in settings]
        got = opened.js("""(vs) => vs.map((v) => { const r = CycleModel.simulate(Float64Array.from(v));
            return {times: Array.from(r.times), values: r.values.map((a) => Array.from(a))}; })""", vectors)
    finally:
        opened.close()
    worst = 0.0
    for k, run in enumerate(got):
        assert np.array_equal(np.array(run["times"]), ref.times), labels[k]
        for j, name in enumerate(outputs):
            py = np.asarray(ref.values[name][k], dtype=float)
            js = np.array(run["values"][j], dtype=float)
            err = np.abs(js - py) / np.maximum(1.0, np.abs(py))
            assert np.all(np.isfinite(js)), (labels[k], name)
            assert err.max() <= RTOL, f"{labels[k]}: {name} differs by {err.max():.3g}"
            worst = max(worst, float(err.max()))
    print(f"worst relative difference JS vs engine: {worst:.3g} over {len(got)} runs "
          f"x {len(outputs)} variables")


def test_page_loads_offline(explorer, model):
    from cycle.explore.payload import panels

    assert explorer.requests == [explorer.page.url]
    assert explorer.errors == []
    n = explorer.js("cycleExplorer.charts().length")
    assert n == len(panels(model))
    assert explorer.js("document.querySelectorAll('input[type=range]').length") > 10
    assert explorer.js("document.getElementById('metrics-body').children.length") > 20
    from cycle import metrics as M

    hover = explorer.js("Array.from(document.querySelectorAll('#metrics-body tr td:first-child'), "
                        "(td) => td.title)")
    assert hover == [m.formula() for m, _, _ in M.rows(model, model.final_time)]
    doc = explorer.js("document.getElementById('scenario-doc').innerText")
    assert doc.startswith("No policy")  # the English description on the English page


def _loan_2035(opened, role="scenario"):
    return opened.js(f"cycleExplorer.plotted('Tech Loan Balance', 2035, '{role}')")


def test_moving_a_lever_moves_the_plot_as_the_engine_does(explorer, model, engine):
    before = _loan_2035(explorer)
    explorer.page.locator("#f-reloan-quota-range").fill("200")
    explorer.page.wait_for_function("cycleExplorer.state.values['Reloan Quota Policy'] === 200")
    after = _loan_2035(explorer)
    base = _loan_2035(explorer, "baseline")
    ref = _engine_runs(engine, model, [{}, {"Reloan Quota Policy": 200.0}])
    i = int(np.flatnonzero(np.isclose(ref.times, 2035.0))[0])
    want_base, want = ref.values["Tech Loan Balance"][:, i]
    assert close(before, want_base) and close(base, want_base)
    assert close(after, want)
    assert np.sign(after - before) == np.sign(want - want_base) != 0
    assert close(after - before, want - want_base, rtol=1e-6)
    assert explorer.errors == []


def _cli_error(tmp_path, capsys, toml: str) -> str:
    p = tmp_path / "bad.toml"
    p.write_text(toml, encoding="utf-8")
    assert main(["compare", str(p), "--out", str(tmp_path / "o")]) == 2
    line = capsys.readouterr().err.strip()
    return line.removeprefix("Error: ").removeprefix(f"{p}: ")


@pytest.mark.parametrize("field,value,toml", [
    ("reloan-quota", "900", "[levers.reloan]\nquota = 900\n"),
    ("guarantee_capital-adequacy", "0.001", "[levers.guarantee_capital]\nadequacy = 0.001\n"),
    ("reloan-end", "2024", "[levers.reloan]\nend = 2024\n"),
    ("bond_risk_sharing-central_bank_share", "0.9",
     "[levers.bond_risk_sharing]\ncentral_bank_share = 0.9\n"),
])
def test_out_of_range_shows_the_cli_message(explorer, tmp_path, capsys, field, value, toml):
    before = (_loan_2035(explorer), explorer.js("JSON.stringify(cycleExplorer.state.values)"),
              explorer.js("document.getElementById('metrics-body').innerText"))
    box = explorer.page.locator(f"#f-{field}")
    box.fill(value)
    box.press("Enter")
    shown = "".join(explorer.page.locator(".msg").all_inner_texts()).strip()
    assert shown == _cli_error(tmp_path, capsys, toml)
    after = (_loan_2035(explorer), explorer.js("JSON.stringify(cycleExplorer.state.values)"),
             explorer.js("document.getElementById('metrics-body').innerText"))
    assert after == before  # nothing else changes
    assert "invalid" in box.get_attribute("class")


def _save_as(page, name: str, folder: Path) -> Path:
    """Name the page's scenario `name`, press "Save scenario" and keep the TOML in `folder`."""
    page.locator("#name").fill(name)
    page.locator("#name").press("Enter")
    page.wait_for_function(f"cycleExplorer.state.name === '{name}'")
    with page.expect_download() as dl:
        page.locator("#save").click()
    saved = folder / dl.value.suggested_filename
    dl.value.save_as(saved)
    return saved


def test_saved_toml_reproduces_the_page_in_compare(explorer, tmp_path):
    page = explorer.page
    page.locator("#f-guidance_fund-injection-range").fill("20")
    page.locator("#f-guidance_fund-start").fill("2026")
    page.locator("#f-guidance_fund-start").press("Enter")
    page.locator("#f-reloan-quota").fill("45.5")
    page.locator("#f-reloan-quota").press("Enter")
    saved = _save_as(page, "from_page", tmp_path)
    text = saved.read_text(encoding="utf-8")
    assert "[levers.guidance_fund]" in text and "start = 2026" in text and "quota = 45.5" in text
    page_metrics = explorer.js("cycleExplorer.metrics()")
    out = tmp_path / "cmp"
    assert main(["compare", str(saved), "--out", str(out)]) == 0
    met = pd.read_csv(out / "metrics.csv")
    met = met[met["scenario"] == "from_page"]
    assert len(met) == len(page_metrics)
    for row, (_, ref) in zip(page_metrics, met.iterrows(), strict=True):
        year = None if pd.isna(ref["year"]) else float(ref["year"])
        assert (row["metric"], row["year"], row["units"]) == (ref["metric"], year, ref["units"])
        assert close(row["value"], float(ref["value"]), 1e-8), row
        if not pd.isna(ref["difference"]):
            assert close(row["difference"], float(ref["difference"]), 1e-8), row
    traj = pd.read_csv(out / "trajectories.csv")
    sel = traj[(traj["scenario"] == "from_page") & (traj["variable"] == "Tech Loan Balance")
               & np.isclose(traj["time"], 2035.0)]
    assert close(_loan_2035(explorer), float(sel["value"].iloc[0]), 1e-8)


def test_a_model_of_ones_own_is_explored_through_its_constants(browser, own_model, tmp_path,
                                                                capsys):
    """A model with no lever of the catalogue gets a field per constant: it moves the plot as
    the engine does, refuses what the CLI refuses with the same message, and is saved as
    [params] that `cycle compare --model` runs to the same numbers."""
    from cycle import load_model
    from cycle.explore.page import build_explorer

    mdl = own_model()
    m = load_model(mdl)
    with pytest.warns(UserWarning, match="no Chinese label for Made"):  # its own names
        built = build_explorer([], out=tmp_path / "own.html", model=mdl)
    opened = Opened(browser, built)
    try:
        page = opened.page
        assert opened.js("cycleExplorer.charts().length") == 1
        assert opened.js("CYCLE_DATA.levers.map((l) => l.name)") == ["constants"]
        box = page.locator("#f-constants-Rate")
        box.fill("0.1")
        box.press("Enter")
        page.wait_for_function("cycleExplorer.state.values['Rate'] === 0.1")
        want = m.run({"Rate": 0.1})["Made"]
        assert close(opened.js("cycleExplorer.plotted('Made', 2030, 'scenario')"),
                     float(want.loc[2030.0]))
        box.fill("0.9")
        box.press("Enter")
        shown = "".join(page.locator(".msg").all_inner_texts()).strip()
        bad = tmp_path / "bad.toml"
        bad.write_text("[params]\nRate = 0.9\n", encoding="utf-8")
        assert main(["compare", str(bad), "--model", str(mdl), "--out", str(tmp_path / "b")]) == 2
        assert shown == capsys.readouterr().err.strip().removeprefix(f"Error: {bad}: ")
        assert opened.js("cycleExplorer.state.values['Rate']") == 0.1  # the refused value is not run
        saved = _save_as(page, "own_page", tmp_path)
        text = saved.read_text(encoding="utf-8")
        assert "[params]" in text and '"Rate" = 0.1' in text and "[levers." not in text
        out = tmp_path / "cmp"
        assert main(["compare", str(saved), "--model", str(mdl), "--out", str(out)]) == 0
        traj = pd.read_csv(out / "trajectories.csv")
        sel = traj[(traj["scenario"] == "own_page") & np.isclose(traj["time"], 2030.0)]
        assert close(float(sel["value"].iloc[0]), float(want.loc[2030.0]), 1e-8)
        assert opened.errors == []
    finally:
        opened.close()


def test_every_operation_agrees_with_python(explorer):
    """metrics.js evaluates each operation of cycle.metrics.OPS as Python does, on the same runs:
    the table's metrics and variants with other windows, years and the (unreported) doubling year."""
    from dataclasses import replace

    from cycle import metrics as M

    assert explorer.js("CycleMetrics.OPS") == list(M.OPS)
    explorer.page.locator("#f-guidance_fund-injection-range").fill("30")
    explorer.page.wait_for_function("cycleExplorer.state.values['Guidance Fund Injection Policy'] === 30")
    runs = explorer.js("""[cycleExplorer.current(), cycleExplorer.baseline()].map((r) =>
        ({times: Array.from(r.times), values: Object.fromEntries(Object.entries(r.values).map(
            ([k, v]) => [k, Array.from(v)]))}))""")
    run, base = (pd.DataFrame(r["values"], index=pd.Index(r["times"], name="time")) for r in runs)
    tlb = ("Tech Loan Balance",)
    extra = [M.LOAN_DOUBLING, replace(M.LOAN_DOUBLING, threshold=50.0),
             replace(M.metric("Peak NPL Ratio"), window=(2025.0, 2031.3)),
             replace(M.metric("Peak NPL Ratio"), window=(2025.01, 2025.02)),  # no saved point: nan
             replace(M.metric("Deepest loan shortfall vs baseline"), window=(2025.01, 2025.02)),
             replace(M.metric("Deepest loan shortfall vs baseline"), variables=("Patient Capital",),
                     window=(2026.0, None)),
             replace(M.metric("Extra tech credit 2025-2035"), variables=tlb + ("Patient Capital",),
                     window=(2024.1, 2047.7)),
             replace(M.metric("Extra tech credit 2025-2035"), window=(2000.0, 2030.0)),
             replace(M.metric("Crowd-in multiplier"), years=(2026.6, 2041.0, 2100.0)),
             replace(M.metric("Finance leverage"), threshold=1e9)]
    specs = [m.as_dict() for m in [*M.METRICS, *extra]]
    checked = 0
    for m, d in zip([*M.METRICS, *extra], specs, strict=True):
        for y in (m.years or (math.nan,)):
            want = M.evaluate(m, run, base, y)
            got = explorer.js("([m, y]) => CycleMetrics.evaluate(m, cycleExplorer.current(), "
                              "cycleExplorer.baseline(), y === null ? NaN : y)",
                              [d, None if math.isnan(y) else y])
            assert close(got, want), (m.name, y, got, want)
            checked += math.isfinite(want)
    assert checked > 40


def test_band_is_the_engine_ensemble(explorer, model, engine):
    data = explorer.js("CYCLE_DATA.uncertainty")
    if data is None:
        pytest.skip("the model ships no uncertainty spec")
    explorer.page.locator("#band").check()
    explorer.page.wait_for_function("cycleExplorer.band() !== null")
    lo, hi = explorer.js("""(() => { const b = cycleExplorer.band()['Tech Loan Balance'];
        const i = Array.from(b.times).findIndex((t) => Math.abs(t - 2035) < 1e-9);
        return [b.lo[i], b.hi[i]]; })()""")
    settings = [dict(zip(data["names"], row, strict=True)) for row in data["values"]]
    ref = _engine_runs(engine, model, settings)
    i = int(np.flatnonzero(np.isclose(ref.times, 2035.0))[0])
    col = ref.values["Tech Loan Balance"][:, i]
    assert close(lo, float(np.percentile(col, 5))) and close(hi, float(np.percentile(col, 95)))
    assert lo < hi


def test_exports(explorer, tmp_path):
    page = explorer.page
    files = {}
    for button in ("png", "svg", "csv"):
        with page.expect_download() as dl:
            page.locator(f"#{button}").click()
        files[button] = tmp_path / dl.value.suggested_filename
        dl.value.save_as(files[button])
    assert files["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.image as mpimg

    img = mpimg.imread(files["png"])
    assert img.shape[0] > 1000 and img.shape[1] > 1500 and img.std() > 0.01
    import xml.etree.ElementTree as ET

    root = ET.parse(files["svg"]).getroot()
    assert root.tag.endswith("svg") and len(list(root.iter("{http://www.w3.org/2000/svg}path"))) > 50
    csv = pd.read_csv(files["csv"])
    assert list(csv.columns) == ["scenario", "time", "variable", "value"]
    sel = csv[(csv["variable"] == "Tech Loan Balance") & np.isclose(csv["time"], 2035.0)
              & (csv["scenario"] == "baseline")]
    assert close(float(sel["value"].iloc[0]), _loan_2035(explorer, "baseline"))


def _embedded_cmap(html: str) -> set[int]:
    from fontTools.ttLib import TTFont

    b64 = re.search(r"data:font/woff;base64,([A-Za-z0-9+/=]+)", html).group(1)
    return set(TTFont(io.BytesIO(base64.b64decode(b64))).getBestCmap())


def test_zh_page_has_chinese_labels_and_no_missing_glyphs(browser, built, tmp_path):
    opened = Opened(browser, built["zh"])
    try:
        page = opened.page
        assert opened.errors == [] and opened.requests == [page.url]
        assert page.locator("h1").inner_text() == "科技—产业—金融循环 政策模拟器"
        titles = opened.js("cycleExplorer.charts().map((c) => c.getOption().title[0].text)")
        assert titles[0].startswith("科技型企业贷款余额")
        assert opened.js("document.fonts.check('14px CycleCJK', '科技贷款')")
        from cycle import metrics as M

        body = opened.js("document.getElementById('metrics-body').innerText")
        assert all(m.zh in body for m in M.METRICS if m.zh)  # the spec's own labels
        assert "Extra tech credit" not in body and "Crowd-in" not in body
        from cycle.scenarios import load_scenario

        doc = opened.js("document.getElementById('scenario-doc').innerText")
        shown = load_scenario(opened.js("CYCLE_DATA.initial_scenario"))
        assert doc == " ".join(shown.description_zh.split())  # not the English description
        text = opened.js("document.body.innerText") + "".join(titles)
        cjk = sorted({c for c in text if ord(c) > 0x2E7F})
        assert len(cjk) > 50
        cmap = _embedded_cmap(built["zh"].read_text(encoding="utf-8"))
        assert [c for c in cjk if ord(c) not in cmap] == []
        # the rendering: no character drawn as the missing-glyph box of the embedded font
        tofu = opened.js("""(chars) => {
            const c = document.createElement('canvas'); c.width = 40; c.height = 40;
            const x = c.getContext('2d');
            const draw = (ch) => { x.clearRect(0, 0, 40, 40); x.font = "28px CycleCJK";
              x.fillText(ch, 4, 32); return x.getImageData(0, 0, 40, 40).data.join(','); };
            const box = draw('\\uE000');
            return chars.filter((ch) => draw(ch) === box);
        }""", cjk)
        assert tofu == []
        page.screenshot(path=tmp_path / "zh.png")
        assert (tmp_path / "zh.png").stat().st_size > 50_000
    finally:
        opened.close()


def test_report_opens_offline(browser, tmp_path, model):
    from cycle.explore.page import build_report

    out = build_report(["reloan", "data_platform"], out=tmp_path / "report.html", model=model,
                       until=2040, progress=False)
    opened = Opened(browser, out, ready="window.cycleReport && window.cycleReport.ready")
    try:
        assert opened.errors == [] and opened.requests == [opened.page.url]
        assert opened.js("cycleReport.charts().length") >= 9
        text = opened.js("document.body.innerText")
        assert model.sha256 in text and "reloan" in text and "Crowd-in multiplier" in text
        data = opened.js("CYCLE_DATA.metrics")
        assert {r["scenario"] for r in data} == {"baseline", "reloan", "data_platform"}
        from cycle import metrics as M

        names = [m.name for m, _, _ in M.rows(model, 2040.0)]
        assert [r["metric"] for r in data if r["scenario"] == "reloan"] == names
        assert "Extra tech credit 2025-2035" in text and "Extra tech credit 2025-2050" not in text
    finally:
        opened.close()


# -- the emitter on constructs beyond the Northeast model, against the engine --------------

_SNIPPET = """{{UTF-8}}
{body}
Gain = 0.5
\t~\tDmnl [0,1]
\t~\t|
Smooth Time = 1.5
\t~\tMonth [0.5,5]
\t~\t|
INITIAL TIME = 0
\t~\tMonth
\t~\t|
FINAL TIME = 12
\t~\tMonth
\t~\t|
TIME STEP = 0.125
\t~\tMonth [0,?]
\t~\t|
SAVEPER = TIME STEP*2
\t~\tMonth [0,?]
\t~\t|
"""

CONSTRUCTS = {
    "time functions": """
        Input = STEP(10, 2) + RAMP(1, 3, 8) + PULSE(5, 1) + 10*SIN(Time) + COS(Time)*TAN(Time/20)
            + PULSE TRAIN(1, 0.5, 2, 9) + Gain*Time ~ Widget ~ |
        Stock = INTEG(Input - Stock/Smooth Time, 2) ~ Widget ~ |
    """,
    "smooths and delays": """
        Input = STEP(10, 2) + RAMP(Gain, 1, 6) ~ Widget ~ |
        S = SMOOTH(Input, 2) + SMOOTHI(Input, Smooth Time, 5) + SMOOTH3(Input, 3) ~ Widget ~ |
        SN = SMOOTH N(Input, 2, 1, 4) ~ Widget ~ |
        D = DELAY1(Input, 2) + DELAY3I(Input*2, Smooth Time*2, 0) + DELAY N(Input, 2, 0, 5)
            ~ Widget ~ |
        DF = DELAY FIXED(Input, Smooth Time, 1) ~ Widget ~ |
        T = TREND(Input + 5, Smooth Time, 0.1) ~ 1/Month ~ |
        I = INITIAL(Gain*3) + SAMPLE IF TRUE(Time > 3 :AND: Time < 6, Input, -1) ~ Widget ~ |
    """,
    "lookups": """
        Tbl([(0,0)-(10,10)],(0,0),(5,3),(10,4)) ~ Widget ~ |
        L1 = Tbl(Time*Gain*2.5) + WITH LOOKUP(Time, ([(0,0)-(10,10)],(1,1),(4,2),(8,5)))
            ~ Widget ~ |
        L2 = Tbl(2.5) + Tbl(-1) + Tbl(12) ~ Widget ~ |
    """,
    "functions": """
        Input = 5*SIN(Time) ~ Widget ~ |
        Fn = XIDZ(Input, Time - 5, 7) + ZIDZ(Input, Time - 2) + MODULO(Time, 3)
            + INTEGER(Time*1.7*Gain) + ABS(Input - 1) + LN(Time + 1) + SQRT(Time)
            + MIN(Input, Gain) + MAX(Input, 2) - 2^2 + (-Gain)^2 + EXP(-Time) + Time^Gain
            + IF THEN ELSE(Time > 4 :OR: :NOT: Time < 2*Gain, 1, 0)
            + IF THEN ELSE(Input = Gain, 1, 0) + IF THEN ELSE(Input <> 0, 1, 0) ~ Widget ~ |
        Stock = INTEG(Fn, 0) ~ Widget ~ |
    """,
    "subscripts": """
        Region : North, South ~ ~ |
        Weight[Region] = 1, 2 ~ Dmnl ~ |
        Flow[Region] = Gain*Weight[Region] + STEP(1, 3) ~ Widget/Month ~ |
        Level[Region] = INTEG(Flow[Region] - Level[Region]/Smooth Time, 1) ~ Widget ~ |
        Total = SUM(Level[Region!]) ~ Widget ~ |
    """,
}


def _snippet(body: str, path: Path) -> Path:
    import textwrap

    lines = []
    for equation in textwrap.dedent(body).strip().split("|"):
        equation = " ".join(equation.split())
        if equation:
            lhs, units, doc = (equation.split("~") + ["", ""])[:3]
            lines.append(f"{lhs.strip()}\n\t~\t{units.strip()}\n\t~\t{doc.strip()}\n\t|\n")
    path.write_text(_SNIPPET.format(body="\n".join(lines)))
    return path


@pytest.mark.parametrize("label", list(CONSTRUCTS))
def test_emitter_constructs_agree_with_engine(browser, label, tmp_path):
    import warnings

    from cycle.engine import build_engine
    from cycle.engine.tree import UnsupportedConstruct
    from cycle.explore.jsmodel import generate_js

    mdl = _snippet(CONSTRUCTS[label], tmp_path / "snippet.mdl")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            engine = build_engine(mdl, cache_dir=tmp_path / "cache")
        except UnsupportedConstruct as exc:
            pytest.skip(f"the engine does not run it: {exc}")
        js = generate_js(mdl)
    gains, smooth = [0.2, 0.5, 0.9], [0.8, 1.5, 3.0]
    ref = engine.run({"Gain": np.array(gains), "Smooth Time": np.array(smooth)}, n=3, backend="numpy")
    page = browser.new_page()
    try:
        page.add_script_tag(content=js)
        got = page.evaluate("""([g, s]) => g.map((gain, k) => {
            const M = CycleModel, C = Float64Array.from(M.DEFAULTS);
            C[M.CONSTANTS.indexOf('Gain')] = gain; C[M.CONSTANTS.indexOf('Smooth Time')] = s[k];
            const r = M.simulate(C);
            return {names: M.OUTPUTS, times: Array.from(r.times), values: r.values.map((a) => Array.from(a))};
        })""", [gains, smooth])
    finally:
        page.close()
    for k, run in enumerate(got):
        assert np.array_equal(np.array(run["times"]), ref.times)
        assert set(run["names"]) == set(engine.variables)
        for name, values in zip(run["names"], run["values"], strict=True):
            py = np.asarray(ref.values[name][k], dtype=float)
            js_ = np.array([np.nan if v is None else v for v in values], dtype=float)
            err = np.abs(js_ - py) / np.maximum(1.0, np.abs(py))
            assert np.array_equal(np.isnan(js_), np.isnan(py)), (label, name)
            assert np.nanmax(err, initial=0.0) <= RTOL, f"{label}: {name} differs by {np.nanmax(err):.3g}"
