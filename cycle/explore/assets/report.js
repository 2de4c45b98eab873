/* The comparison report: the runs of cycle compare (window.CYCLE_DATA), drawn with ECharts. */
(function (global) {
  "use strict";
  const D = global.CYCLE_DATA, C = global.CycleCommon;
  const el = C.el, t = C.t;
  let charts = [];

  /* One panel per variable (a panel of several variables is split: every scenario is a line). */
  const PANELS = D.panels.flatMap((p) => p.variables.length === 1 ? [p]
    : p.variables.map((v) => ({ title: v, variables: [v], units: D.units[v] })));
  function options() {
    return PANELS.map((p) => {
      const v = p.variables[0];
      const lines = D.scenarios.map((s, j) => {
        const base = s === "baseline";
        return { name: base ? t("baseline") : s, variable: v, role: s, times: D.times, values: D.series[s][v],
          color: base ? "#222" : C.PALETTE[(j - 1) % C.PALETTE.length], dashed: base, width: base ? 1.6 : 2 };
      });
      return C.panelOption(p, lines, { from: D.plot_from, to: D.plot_to, observed: D.observed, legend: true });
    });
  }
  function table(col, skipBaseline) {
    const names = D.scenarios.filter((s) => !(skipBaseline && s === "baseline"));
    const keys = [];
    for (const r of D.metrics) {
      if (r.scenario !== D.scenarios[0]) continue;
      keys.push(r);
    }
    const rows = [];
    for (const k of keys) {
      const vals = names.map((n) => D.metrics.find((r) => r.scenario === n && r.metric === k.metric &&
        r.units === k.units && r.year === k.year));
      if (skipBaseline && vals.every((r) => !r || r[col] === null)) continue;
      rows.push(el("tr", {}, el("td", { text: C.tv(k.metric), title: (D.metric_formulas || {})[k.metric] }), el("td", { text: k.year === null ? "" : String(k.year) }),
        el("td", { text: C.tu(k.units) }),
        ...vals.map((r) => el("td", { class: "num", text: C.fmt(r ? r[col] : null, k.units) }))));
    }
    return el("table", { class: "metrics" },
      el("thead", {}, el("tr", {}, el("th", { text: t("metric") }), el("th", { text: t("year") }), el("th", { text: t("units") }),
        ...names.map((n) => el("th", { class: "num", text: n === "baseline" ? t("baseline") : n })))),
      el("tbody", {}, ...rows));
  }
  function levers() {
    const sc = D.manifest.scenarios;
    return el("table", { class: "metrics" },
      el("thead", {}, el("tr", {}, el("th", { text: t("Scenario") }), el("th", { text: t("Lever settings") }), el("th", { text: "" }))),
      el("tbody", {}, ...D.scenarios.map((n) => {
        const s = sc[n];
        const parts = [];
        for (const [lv, vals] of Object.entries(s.levers)) {
          parts.push(`${C.tl(lv)}: ` + Object.entries(vals).map(([k, v]) => `${C.ts(k)} = ${C.g(v)}`).join(", "));
        }
        for (const [k, v] of Object.entries(s.params)) parts.push(`${k} = ${C.g(v)}`);
        return el("tr", {}, el("td", { text: n }), el("td", { text: parts.join("; ") || t("no lever set") }),
          el("td", { class: "hint", text: C.tsd(s) }));
      })));
  }
  function csv() {
    const rows = [["scenario", "time", "variable", "value"]];
    for (const s of D.scenarios) for (const [v, vals] of Object.entries(D.series[s])) D.times.forEach((tt, i) => rows.push([s, tt, v, vals[i]]));
    return C.csv(rows);
  }
  function title() { return `${t("Comparison report")} — ${D.scenarios.join(", ")} (${D.model.name} ${D.model.sha256.slice(0, 12)})`; }
  function render() {
    document.documentElement.lang = C.lang === "zh" ? "zh-CN" : "en";
    for (const e of document.querySelectorAll("[data-t]")) e.textContent = t(e.getAttribute("data-t"));
    document.getElementById("lang").value = C.lang;
    document.getElementById("model-info").textContent = `${D.model.name}.mdl sha256 ${D.model.sha256.slice(0, 16)}…`;
    const grid = document.getElementById("charts");
    charts.forEach((c) => c.dispose());
    grid.replaceChildren(...PANELS.map((p, i) => el("div", { class: "chart", id: `chart-${i}` })));
    const opts = options();
    charts = opts.map((o, i) => { const c = global.echarts.init(document.getElementById(`chart-${i}`)); c.setOption(o); return c; });
    document.getElementById("levels").replaceChildren(table("value", false));
    document.getElementById("differences").replaceChildren(table("difference", true));
    document.getElementById("levers").replaceChildren(levers());
    document.getElementById("manifest").textContent = JSON.stringify(D.manifest, null, 2);
  }
  function start() {
    document.getElementById("lang").addEventListener("change", (e) => { C.lang = e.target.value; render(); });
    document.getElementById("png").addEventListener("click", () => C.exportPNG(charts, title(), "report.png"));
    document.getElementById("svg").addEventListener("click", () =>
      C.download("report.svg", "image/svg+xml", C.svgString(options(), charts[0].getWidth(), charts[0].getHeight(), title())));
    document.getElementById("csv").addEventListener("click", () => C.download("report.csv", "text/csv", csv()));
    window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
    render();
    global.cycleReport = { charts: () => charts, ready: true };
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})(window);
