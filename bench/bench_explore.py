"""The explorer page in Chromium: one run of the generated model, the band, slider to redraw.

Measured in one session, against the batch engine's single-member runs in this process
(NumPy loop and compiled loop) as the baseline of the ratios:

(a) build time and size of ``cycle explore``'s HTML file (and its parts);
(b) one run of the generated JavaScript model in the page (``CycleModel.simulate``, all
    variables; mean of ``--runs`` after 50 warm-up runs), and the same run through the page
    (the variables the page plots and reports);
(c) the uncertainty band: every member of the page's ensemble at the current settings plus
    5/95 % percentiles of every plotted variable at every saved time;
(d) slider move to redrawn plot: from the ``input`` event on the re-loan quota slider to the
    second animation frame after it (the plot painted), band off and band on; median of
    ``--moves`` moves.

Usage::

    python bench/bench_explore.py [--runs 500] [--moves 30] [--screenshots docs]

With ``--screenshots DIR`` it also writes ``explorer_en.png`` and ``explorer_zh.png`` there.
Needs Playwright and Chromium (``/usr/bin/chromium`` or ``$CYCLE_CHROMIUM``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cycle.engine import build_engine  # noqa: E402
from cycle.explore.page import build_explorer  # noqa: E402
from cycle.model import load_model  # noqa: E402

CHROMIUM = os.environ.get("CYCLE_CHROMIUM", "/usr/bin/chromium")

MOVE_JS = """async (n) => {
  const s = document.getElementById('f-reloan-quota-range');
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const out = [];
  for (let i = 0; i < n; i++) {
    await frame();
    const t0 = performance.now();
    s.value = String(20 + (i % 10) * 15);
    s.dispatchEvent(new Event('input'));
    await frame();
    out.push(performance.now() - t0);
  }
  return out;
}"""


def _engine_ms(model, backend: str, repeat: int = 30) -> float:
    eng = build_engine(model.path)
    params = dict(model.calibration)
    if backend in ("c", "numba"):
        eng.compile(backend)
    eng.run(params, n=1, backend=backend)
    t0 = time.perf_counter()
    for _ in range(repeat):
        eng.run(params, n=1, backend=backend)
    return (time.perf_counter() - t0) / repeat * 1e3


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=500)
    ap.add_argument("--moves", type=int, default=30)
    ap.add_argument("--screenshots", type=Path, default=None)
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    model = load_model("northeast")
    tmp = Path(tempfile.mkdtemp(prefix="bench-explore-"))
    t0 = time.perf_counter()
    page_path = build_explorer(["package_2025"], out=tmp / "explorer.html", model=model)
    build_s = time.perf_counter() - t0
    size = page_path.stat().st_size
    html = page_path.read_text(encoding="utf-8")
    font = len(html.split("data:font/woff;base64,")[1].split(")")[0])
    print(f"(a) cycle explore: {build_s:.2f} s (model cached), file {size / 1e6:.2f} MB "
          f"(ECharts 0.72 MB, font {font / 1e3:.0f} kB base64)")

    np_ms = _engine_ms(model, "numpy")
    from cycle.engine.native import compiler

    nb_ms = _engine_ms(model, "c" if compiler() else "numba")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
        ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
        page = ctx.new_page()
        page.goto(page_path.as_uri())
        page.wait_for_function("window.cycleExplorer && window.cycleExplorer.ready")
        js_ms = page.evaluate("""(n) => { const M = CycleModel, C = Float64Array.from(M.DEFAULTS);
            for (let i = 0; i < 50; i++) M.simulate(C);
            const t0 = performance.now(); for (let i = 0; i < n; i++) M.simulate(C);
            return (performance.now() - t0) / n; }""", args.runs)
        page_ms = page.evaluate("""(n) => { const E = cycleExplorer, ov = E.overrides();
            const t0 = performance.now(); for (let i = 0; i < n; i++) E.run(ov);
            return (performance.now() - t0) / n; }""", args.runs)
        print(f"(b) one run in Chromium: {js_ms:.3f} ms all {len(page.evaluate('CycleModel.OUTPUTS'))} "
              f"variables, {page_ms:.3f} ms as the page runs it | engine in Python, N = 1: NumPy loop "
              f"{np_ms:.2f} ms ({np_ms / js_ms:.0f}x the page), compiled loop "
              f"({'C' if compiler() else 'Numba'}) {nb_ms:.3f} ms "
              f"({nb_ms / js_ms:.2f}x)")
        members = page.evaluate("CYCLE_DATA.uncertainty ? CYCLE_DATA.uncertainty.values.length : 0")
        if members:
            band = page.evaluate("""() => { const E = cycleExplorer, ov = E.overrides(); E.computeBand(ov);
                const r = []; for (let i = 0; i < 5; i++) { E.computeBand(ov); r.push(E.timing.band_ms); }
                return r; }""")
            print(f"(c) band of {members} members: {statistics.median(band):.0f} ms "
                  f"(min {min(band):.0f}, max {max(band):.0f})")
        moves = page.evaluate(MOVE_JS, args.moves)
        page.locator("#band").check()
        page.wait_for_timeout(300)
        moves_band = page.evaluate(MOVE_JS, max(5, args.moves // 3))
        print(f"(d) slider move to painted plot: median {statistics.median(moves):.1f} ms "
              f"(min {min(moves):.1f}, max {max(moves):.1f}; {len(moves)} moves); with the band "
              f"{statistics.median(moves_band):.0f} ms")
        if args.screenshots:
            args.screenshots.mkdir(parents=True, exist_ok=True)
            page.reload()
            page.wait_for_function("window.cycleExplorer && window.cycleExplorer.ready")
            for lang in ("en", "zh"):
                page.select_option("#lang", lang)
                page.wait_for_timeout(400)
                page.screenshot(path=args.screenshots / f"explorer_{lang}.png")
                print(f"screenshot {args.screenshots / f'explorer_{lang}.png'}")
        browser.close()


if __name__ == "__main__":
    main()
