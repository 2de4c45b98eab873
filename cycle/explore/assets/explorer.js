/* The lever explorer: one control per lever of the catalogue; every valid change reruns the
   generated model (window.CycleModel) in the page and redraws the panels and the metrics.
   Data: window.CYCLE_DATA (written by cycle.explore.page). */
(function (global) {
  "use strict";
  const D = global.CYCLE_DATA, C = global.CycleCommon, M = global.CycleModel, MET = global.CycleMetrics;
  const g = C.g, el = C.el, t = C.t;

  // ---- the model ------------------------------------------------------------------------------
  const cIndex = new Map(M.CONSTANTS.map((n, i) => [n, i]));
  const oIndex = new Map(M.OUTPUTS.map((n, i) => [n, i]));
  const C0 = Float64Array.from(M.DEFAULTS);
  for (const [k, v] of Object.entries(D.calibration)) C0[cIndex.get(k)] = v;
  const plotVars = [...new Set(D.panels.flatMap((p) => p.variables))];
  const wanted = [...new Set([...plotVars, ...MET.variables(D.metric_spec)])];
  const wantedIdx = Int32Array.from(wanted.map((n) => oIndex.get(n)));
  const bandIdx = Int32Array.from(plotVars.map((n) => oIndex.get(n)));

  function vector(overrides) {
    const c = C0.slice();
    for (const [k, v] of Object.entries(overrides)) c[cIndex.get(k)] = v;
    return c;
  }
  function run(overrides, idx) {
    const res = M.simulate(vector(overrides), idx || wantedIdx);
    const names = idx === bandIdx ? plotVars : wanted;
    const values = {};
    names.forEach((n, j) => { values[n] = res.values[j]; });
    return { times: res.times, values: values };
  }

  // ---- state ----------------------------------------------------------------------------------
  const defaults = {};  // Vensim name -> default (calibrated) value
  for (const lv of D.levers) for (const f of [...lv.settings, ...lv.time]) defaults[f.variable] = C0[cIndex.get(f.variable)];
  const state = {
    values: {},        // lever constants set away from the default: Vensim name -> value
    params: {},        // raw overrides of the picked scenario (kept, shown, saved)
    scenario: "baseline",
    name: "explorer",
    band: false,
    errors: {},        // field id -> message
  };
  let baseline = run({});
  let current = baseline, band = null;
  const timing = { run_ms: NaN, band_ms: NaN, redraw_ms: NaN, update_ms: NaN };

  function overrides() { return Object.assign({}, state.params, state.values); }
  function valueOf(variable) {
    return Object.prototype.hasOwnProperty.call(state.values, variable) ? state.values[variable] : defaults[variable];
  }

  // ---- checks: the CLI's messages (cycle.scenarios, cycle.levers) --------------------------
  const T0 = D.model.initial_time, FINAL = D.model.final_time;
  function quote(s) { return s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s}'`; }
  // where a field sits in a scenario file: a lever's table, or [params] for a model's own constants
  function whereOf(lever, f) { return lever.params ? `params.${f.key}` : `levers.${lever.name}.${f.key}`; }
  function rangeMessage(lever, f, v) {
    const where = whereOf(lever, f);
    if (!Number.isFinite(v)) return `${where} = ${v} is not a finite number`;
    const lo = f.lo, hi = f.hi;
    if ((lo !== null && v < lo) || (hi !== null && v > hi)) {
      return `${where} = ${g(v)} is outside the range [${lo === null ? "?" : g(lo)}, ${hi === null ? "?" : g(hi)}] ${f.units} of ${quote(f.variable)}`;
    }
    return null;
  }
  function profileMessage(lever, values) {  // values: Vensim name -> value after the change
    const tc = Object.fromEntries(lever.time.map((f) => [f.key, f.variable]));
    const has = (k) => Object.prototype.hasOwnProperty.call(values, tc[k]);
    const get = (k) => has(k) ? values[tc[k]] : defaults[tc[k]];
    const start = get("start"), end = get("end"), ramp = get("ramp");
    const key0 = `levers.${lever.name}`;
    if (has("start") && !(T0 <= start && start <= FINAL)) {
      return ["start", `${key0}.start = ${g(start)} is outside the run [${g(T0)}, ${g(FINAL)}] (INITIAL TIME to the final year)`];
    }
    if (ramp < 0) return ["ramp", `${key0}.ramp = ${g(ramp)} must be >= 0 years`];
    if (end <= start) return ["end", `${key0}.end = ${g(end)} must be after start = ${g(start)}`];
    for (const c of lever.constraints) {
      const vars = c.settings.map((s) => lever.settings.find((f) => f.key === s).variable);
      const vals = vars.map((v) => Object.prototype.hasOwnProperty.call(values, v) ? values[v] : defaults[v]);
      const total = vals.reduce((a, b) => a + b, 0);
      if (total > c.limit + 1e-12) {
        const parts = c.settings.map((s, i) => `${s} ${g(vals[i])}`).join(" + ");
        return [c.settings[c.settings.length - 1],
          `conflicting settings of lever '${lever.name}': ${parts} = ${g(total)} > ${g(c.limit)} (${c.reason})`];
      }
    }
    return null;
  }

  // ---- computing ----------------------------------------------------------------------------------
  function percentile(sorted, q) {  // numpy's default (linear) percentile of a sorted array
    const pos = (sorted.length - 1) * q, i = Math.floor(pos), f = pos - i;
    return i + 1 < sorted.length ? sorted[i] + f * (sorted[i + 1] - sorted[i]) : sorted[i];
  }
  function computeBand(ov) {
    const U = D.uncertainty;
    if (!U) return null;
    const t0 = performance.now();
    const n = U.values.length, runs = [];
    for (let m = 0; m < n; m++) {
      const o = {};
      U.names.forEach((name, j) => { o[name] = U.values[m][j]; });
      Object.assign(o, ov);  // the scenario's own settings win
      runs.push(run(o, bandIdx));
    }
    const times = runs[0].times, out = {};
    const col = new Float64Array(n);
    for (const v of plotVars) {
      const lo = new Float64Array(times.length), hi = new Float64Array(times.length);
      for (let k = 0; k < times.length; k++) {
        for (let m = 0; m < n; m++) col[m] = runs[m].values[v][k];
        col.sort();
        lo[k] = percentile(col, 0.05); hi[k] = percentile(col, 0.95);
      }
      out[v] = { times: times, lo: lo, hi: hi };
    }
    timing.band_ms = performance.now() - t0;
    return out;
  }

  // metrics: the rows of cycle compare, evaluated from the embedded spec (cycle.metrics.METRICS)
  // by the generic operations of metrics.js (window.CycleMetrics)
  function levelAt(res, variable, year) { return MET.at(res.times, res.values[variable], year); }
  function metrics(res, base) { return MET.table(D.metric_spec, res, base); }

  // ---- drawing --------------------------------------------------------------------------------------
  let charts = [];
  const FROM = D.plot_from, TO = D.plot_to;
  function chartOptions() {
    return D.panels.map((p) => {
      const lines = [], bands = [];
      const single = p.variables.length === 1;
      const short = C.shortLabels(p.variables.map((v) => C.tv(v)));
      p.variables.forEach((v, i) => {
        const color = single ? C.PALETTE[0] : C.PALETTE[i % C.PALETTE.length];
        const scen = state.name;
        lines.push({ name: single ? t("baseline") : `${short[i]} (${t("baseline")})`, variable: v, role: "baseline",
          times: baseline.times, values: baseline.values[v], color: single ? "#222" : color, dashed: true,
          width: 1.4, legend: false });
        lines.push({ name: single ? scen : short[i], variable: v, role: "scenario", times: current.times,
          values: current.values[v], color: color, width: 2.2 });
        if (band && band[v]) bands.push(Object.assign({ variable: v, color: color }, band[v]));
      });
      return C.panelOption(p, lines, { from: FROM, to: TO, band: bands, observed: D.observed });
    });
  }
  let drawnKey = null;
  function draw() {
    const opts = chartOptions();
    // when only the numbers change, hand ECharts the new data alone: rebuilding axes, titles
    // and legends on every move costs several times more
    const key = `${C.lang}|${!!band}|${state.name}`;
    if (key !== drawnKey) {
      charts.forEach((c, i) => c.setOption(opts[i], { notMerge: true }));
    } else {
      charts.forEach((c, i) => c.setOption({ series: opts[i].series.map((x) => ({ id: x.id, data: x.data })) }));
    }
    drawnKey = key;
  }
  function drawMetrics() {
    const rows = metrics(current, baseline);
    const body = document.getElementById("metrics-body");
    body.replaceChildren(...rows.map((r) => el("tr", {},
      el("td", { text: C.tv(r.metric), title: r.formula }), el("td", { text: r.year === null ? "" : String(r.year) }),
      el("td", { text: C.tu(r.units) }),
      el("td", { class: "num", text: C.fmt(r.baseline, r.units) }),
      el("td", { class: "num", text: C.fmt(r.value, r.units) }),
      el("td", { class: "num", text: C.fmt(r.difference, r.units) }))));
    explorer.lastMetrics = rows;
  }
  function status() {
    const s = document.getElementById("timing");
    let text = `${t("one run")}: ${timing.run_ms.toFixed(2)} ms · ${t("redraw")}: ${timing.redraw_ms.toFixed(1)} ms`;
    if (state.band && D.uncertainty) {
      text += ` · ${t("Uncertainty band")}: ${D.uncertainty.values.length} ${t("members")} ${timing.band_ms.toFixed(0)} ms`;
    }
    s.textContent = text;
  }

  /* Rerun and redraw; returns the time from the call to the next painted frame (ms). */
  function update() {
    const t0 = performance.now();
    const ov = overrides();
    current = run(ov);
    timing.run_ms = performance.now() - t0;
    band = state.band ? computeBand(ov) : null;
    const t1 = performance.now();
    draw();
    drawMetrics();
    timing.redraw_ms = performance.now() - t1;
    timing.update_ms = performance.now() - t0;
    status();
    return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => {
      timing.paint_ms = performance.now() - t0; resolve(timing.paint_ms);
    })));
  }

  // ---- controls --------------------------------------------------------------------------------------
  function fid(lever, f) { return `f-${lever.name}-${f.key}`; }
  function sliderRange(f) {
    let lo = f.lo, hi = f.hi;
    if (lo === null) lo = Math.min(0, f.default);
    if (hi === null) hi = Math.max(2 * Math.abs(f.default), lo + 1);
    return [lo, hi];
  }
  function setField(lever, f, raw, fromSlider) {
    const id = fid(lever, f);
    const msgEl = document.getElementById(id + "-msg");
    const v = typeof raw === "number" ? raw : (raw.trim() === "" ? NaN : Number(raw));
    let msg = null;
    if (typeof raw !== "number" && (raw.trim() === "" || Number.isNaN(v))) {
      msg = `${whereOf(lever, f)} = '${raw}' is not a number`;
    } else {
      msg = rangeMessage(lever, f, v);
    }
    let bad = f.key;
    if (!msg) {
      const next = Object.assign({}, state.values, { [f.variable]: v });
      const p = profileMessage(lever, next);
      if (p) { [bad, msg] = p; msg = msg; }
    }
    if (msg) {
      state.errors[id] = msg;
      msgEl.textContent = msg;
      document.getElementById(id).classList.add("invalid");
      return false;
    }
    delete state.errors[id];
    msgEl.textContent = "";
    document.getElementById(id).classList.remove("invalid");
    if (v === defaults[f.variable]) delete state.values[f.variable]; else state.values[f.variable] = v;
    const slider = document.getElementById(id + "-range");
    if (slider && !fromSlider) slider.value = String(v);
    const box = document.getElementById(id);
    if (fromSlider) box.value = String(v);
    // a fix of one field may clear another field's message (e.g. end after start)
    for (const other of [...lever.settings, ...lever.time]) {
      const oid = fid(lever, other);
      if (oid !== id && state.errors[oid]) {
        const box2 = document.getElementById(oid);
        setField(lever, other, box2.value, false);
      }
    }
    return true;
  }
  function fieldRow(lever, f) {
    const id = fid(lever, f);
    const [lo, hi] = sliderRange(f);
    const range = `[${f.lo === null ? "?" : g(f.lo)}, ${f.hi === null ? "?" : g(f.hi)}]`;
    const label = C.ts(f.key);
    const tip = `${f.variable} (${f.units}) ${t("range")} ${range}, ${t("default")} ${g(defaults[f.variable])}\n${f.doc}`;
    const box = el("input", { id: id, type: "text", inputmode: "decimal", class: "num-in", value: String(valueOf(f.variable)),
      "data-variable": f.variable, title: tip,
      onchange: (e) => { if (setField(lever, f, e.target.value, false)) update(); },
      onkeydown: (e) => { if (e.key === "Enter") e.target.dispatchEvent(new Event("change")); } });
    const isTime = lever.time.includes(f);
    const slider = isTime ? null : el("input", { id: id + "-range", type: "range", min: lo, max: hi,
      step: (hi - lo) / 200, value: String(valueOf(f.variable)), title: tip, "data-variable": f.variable,
      oninput: (e) => { if (setField(lever, f, Number(e.target.value), true)) update(); } });
    return el("div", { class: "field" + (isTime ? " time" : "") },
      el("label", { for: id, title: tip }, el("span", { class: "fname", text: label }),
        el("span", { class: "funits", text: ` ${C.tu(f.units)} ${range}` })),
      el("div", { class: "fctl" }, slider, box),
      el("div", { id: id + "-msg", class: "msg", role: "alert" }));
  }
  function controls() {
    const box = document.getElementById("levers");
    box.replaceChildren(...D.levers.map((lever) => el("details", { class: "lever", open: "", "data-lever": lever.name },
      el("summary", { title: C.tld(lever.name, lever.description) }, el("b", { text: C.tl(lever.name) }),
        el("span", { class: "lname", text: C.lang === "zh" ? ` ${lever.name}` : "" })),
      el("div", { class: "ldoc", text: C.tld(lever.name, lever.description) }),
      ...lever.settings.map((f) => fieldRow(lever, f)),
      lever.time.length ? el("div", { class: "tprofile" }, el("span", { class: "tlabel", text: t("time profile") }),
        ...lever.time.map((f) => fieldRow(lever, f))) : null)));
    for (const [id, msg] of Object.entries(state.errors)) {
      const m = document.getElementById(id + "-msg");
      if (m) m.textContent = msg;
    }
  }
  function scenarioPicker() {
    const sel = document.getElementById("scenario");
    sel.replaceChildren(...D.scenarios.map((s) => el("option", { value: s.name, text: s.name + (s.shipped ? "" : " *"),
      title: C.tsd(s), selected: s.name === state.scenario ? "" : null })));
    const doc = C.tsd(D.scenarios.find((s) => s.name === state.scenario) || {});
    const raw = Object.entries(state.params).map(([k, v]) => `${k} = ${g(v)}`).join(", ");
    document.getElementById("scenario-doc").textContent = doc + (raw ? ` [params: ${raw}]` : "");
  }
  function loadScenario(name) {
    const s = D.scenarios.find((x) => x.name === name);
    state.scenario = name;
    state.name = name === "baseline" ? "explorer" : name;
    state.values = {}; state.params = Object.assign({}, s.params); state.errors = {};
    for (const lever of D.levers.filter((l) => l.params)) {  // a model's own constants: on their sliders
      for (const f of lever.settings) {
        if (!Object.prototype.hasOwnProperty.call(state.params, f.variable)) continue;
        if (state.params[f.variable] !== defaults[f.variable]) state.values[f.variable] = state.params[f.variable];
        delete state.params[f.variable];
      }
    }
    for (const [lname, vals] of Object.entries(s.levers)) {
      const lever = D.levers.find((l) => l.name === lname);
      for (const [key, v] of Object.entries(vals)) {
        const f = [...lever.settings, ...lever.time].find((x) => x.key === key);
        if (v !== defaults[f.variable]) state.values[f.variable] = v;
      }
    }
    document.getElementById("name").value = state.name;
    render();
  }

  // ---- saving and export ----------------------------------------------------------------------
  function tomlString(s) { return '"' + s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") + '"'; }
  function tomlKey(k) { return /^[A-Za-z0-9_-]+$/.test(k) ? k : tomlString(k); }
  function tomlNumber(v) { const s = String(v); return /^-?\d+$/.test(s) || /[.eE]/.test(s) ? s : s + ".0"; }
  function scenarioToml() {
    const lines = [`name = ${tomlString(state.name)}`,
      `description = ${tomlString(`Saved from cycle explore (model ${D.model.name}, sha256 ${D.model.sha256}); ` +
        `started from scenario '${state.scenario}'.`)}`, ""];
    const raw = Object.assign({}, state.params);
    for (const lever of D.levers) {
      const keys = [...lever.settings, ...lever.time].filter((f) => Object.prototype.hasOwnProperty.call(state.values, f.variable));
      if (!keys.length) continue;
      if (lever.params) { for (const f of keys) raw[f.variable] = state.values[f.variable]; continue; }
      lines.push(`[levers.${lever.name}]`);
      for (const f of keys) lines.push(`${f.key} = ${tomlNumber(state.values[f.variable])}   # ${f.units}`);
      lines.push("");
    }
    const pk = Object.keys(raw);
    if (pk.length) {
      lines.push("[params]");
      for (const k of pk) lines.push(`${tomlString(k)} = ${tomlNumber(raw[k])}`);
      lines.push("");
    }
    return lines.join("\n");
  }
  function trajectoriesCsv() {
    const rows = [["scenario", "time", "variable", "value"]];
    for (const [name, res] of [["baseline", baseline], [state.name, current]]) {
      for (const v of wanted) res.times.forEach((tt, i) => rows.push([name, tt, v, res.values[v][i]]));
    }
    if (band) {
      for (const v of plotVars) band[v].times.forEach((tt, i) => {
        rows.push([state.name + " p5", tt, v, band[v].lo[i]]); rows.push([state.name + " p95", tt, v, band[v].hi[i]]);
      });
    }
    return C.csv(rows);
  }
  function title() { return `${t("Technology–industry–finance cycle explorer")} — ${state.name} (${D.model.name} ${D.model.sha256.slice(0, 12)})`; }

  // ---- page -------------------------------------------------------------------------------------------
  function render() {
    document.documentElement.lang = C.lang === "zh" ? "zh-CN" : "en";
    for (const e of document.querySelectorAll("[data-t]")) e.textContent = t(e.getAttribute("data-t"));
    document.getElementById("lang").value = C.lang;
    scenarioPicker();
    controls();
    const U = D.uncertainty;
    document.getElementById("band-note").textContent = U ? `${t("Band: 5–95 % of")} ${U.values.length} ` +
      `${t("members")}, ${U.names.length} ${t("uncertain constants")} (uncertain/${U.spec}.toml, Latin hypercube, ` +
      `seed ${U.seed})` + (C.lang === "zh" ? "" : `: ${U.description}`) : "";
    const grid = document.getElementById("charts");
    charts.forEach((c) => c.dispose());
    grid.replaceChildren(...D.panels.map((p, i) => el("div", { class: "chart", id: `chart-${i}`, "data-title": p.title })));
    charts = D.panels.map((p, i) => global.echarts.init(document.getElementById(`chart-${i}`), null, { renderer: "canvas" }));
    drawnKey = null;
    return update();
  }

  const explorer = {
    state: state, timing: timing, update: update, render: render,
    charts: () => charts, run: run, overrides: overrides, metrics: () => metrics(current, baseline),
    current: () => current, baseline: () => baseline, scenarioToml: scenarioToml, trajectoriesCsv: trajectoriesCsv,
    levelAt: levelAt, loadScenario: loadScenario, computeBand: computeBand, band: () => band,
    /* The plotted value of `variable`'s scenario line at `time` (read back from the chart). */
    plotted: function (variable, time, role) {
      for (const c of charts) {
        for (const s of c.getOption().series) {
          if (s.cycleVariable === variable && s.cycleRole === (role || "scenario")) {
            const p = s.data.find((d) => Math.abs(d[0] - time) < 1e-9);
            if (p) return p[1];
          }
        }
      }
      return NaN;
    },
  };
  global.cycleExplorer = explorer;

  function start() {
    document.getElementById("lang").addEventListener("change", (e) => { C.lang = e.target.value; render(); });
    document.getElementById("scenario").addEventListener("change", (e) => loadScenario(e.target.value));
    document.getElementById("reset").addEventListener("click", () => loadScenario("baseline"));
    document.getElementById("name").addEventListener("change", (e) => { state.name = e.target.value.trim() || "explorer"; update(); });
    document.getElementById("band").addEventListener("change", (e) => { state.band = e.target.checked; update(); });
    document.getElementById("save").addEventListener("click", () => C.download(`${state.name}.toml`, "application/toml", scenarioToml()));
    document.getElementById("png").addEventListener("click", () => C.exportPNG(charts, title(), `${state.name}.png`));
    document.getElementById("svg").addEventListener("click", () => {
      const w = charts[0].getWidth(), h = charts[0].getHeight();
      C.download(`${state.name}.svg`, "image/svg+xml", C.svgString(chartOptions(), w, h, title()));
    });
    document.getElementById("csv").addEventListener("click", () => C.download(`${state.name}.csv`, "text/csv", trajectoriesCsv()));
    if (!D.uncertainty) document.getElementById("band-box").style.display = "none";
    window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
    document.getElementById("model-info").textContent =
      `${D.model.name}.mdl sha256 ${D.model.sha256.slice(0, 16)}… · ${M.GENERATOR}`;
    if (D.initial_scenario && D.initial_scenario !== "baseline") loadScenario(D.initial_scenario);
    else render();
    explorer.ready = true;
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})(window);
