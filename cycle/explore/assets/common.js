/* Shared by the explorer and the report: labels (zh/en), number formats, charts, exports.
   Reads the page's data (window.CYCLE_DATA) and Apache ECharts (window.echarts). */
(function (global) {
  "use strict";
  const D = global.CYCLE_DATA;
  const C = {};

  C.lang = D.lang;

  // ---- labels ---------------------------------------------------------------------------
  function zh(section, word) {
    const s = D.zh[section];
    return (s && Object.prototype.hasOwnProperty.call(s, word)) ? s[word] : null;
  }
  C.t = function (word) { return (C.lang === "zh" && zh("ui", word)) || word; };
  C.tv = function (name) {  // a model variable, a panel title or a metric name
    if (C.lang !== "zh") return name;
    const metricZh = D.metric_zh && Object.prototype.hasOwnProperty.call(D.metric_zh, name) ? D.metric_zh[name] : null;
    return metricZh || zh("variables", name) || zh("ui", name) || name;
  };
  C.tl = function (lever) { return (C.lang === "zh" && zh("levers", lever)) || lever; };
  C.tld = function (lever, text) { return (C.lang === "zh" && zh("lever_descriptions", lever)) || text; };
  C.tsd = function (s) { return (C.lang === "zh" && s.description_zh) || s.description || ""; };  // a scenario's
  C.ts = function (key) {
    if (C.lang !== "zh") return key;
    return zh("settings", key) || zh("ui", key) || key;
  };
  C.tu = function (units) {  // unit tokens, e.g. BnYuan/Year -> 十亿元/年
    if (C.lang !== "zh" || !units) return units;
    if (zh("ui", units)) return zh("ui", units);
    return units.replace(/[A-Za-z]+/g, (w) => zh("units", w) || w);
  };

  /* Labels of the variables of one panel without what they share ("Cumulative ... Losses"). */
  C.shortLabels = function (labels) {
    if (labels.length < 2) return labels.slice();
    const cut = (strs) => {  // longest common prefix ending at a word boundary (any char for CJK)
      let n = 0;
      while (strs.every((s) => s.length > n && s[n] === strs[0][n])) n++;
      const cjk = /[\u2e80-\u9fff]/.test(strs[0]);
      if (!cjk) { const sp = strs[0].lastIndexOf(" ", n - 1); n = (n > 0 && strs.every((s) => s[n] === " " || s.length === n)) ? n : sp + 1; }
      return Math.max(0, Math.min(n, ...strs.map((s) => s.length - 1)));
    };
    const pre = cut(labels);
    let rest = labels.map((s) => s.slice(pre));
    const rev = rest.map((s) => [...s].reverse().join(""));
    const suf = cut(rev);
    rest = rest.map((s) => s.slice(0, s.length - suf).trim());
    return rest.every((s) => s.length) ? rest : labels.slice();
  };

  // ---- numbers ----------------------------------------------------------------------------
  /* Python's format(x, "g"): 6 significant digits, trailing zeros dropped. */
  C.g = function (x) {
    if (x === null || x === undefined || Number.isNaN(x)) return "nan";
    if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
    if (x === 0) return Object.is(x, -0) ? "-0" : "0";
    const exp = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(6)))));
    if (exp < -4 || exp >= 6) {
      let [m, e] = x.toExponential(5).split("e");
      m = m.includes(".") ? m.replace(/0+$/, "").replace(/\.$/, "") : m;
      const n = parseInt(e, 10);
      return m + "e" + (n < 0 ? "-" : "+") + String(Math.abs(n)).padStart(2, "0");
    }
    let s = x.toFixed(Math.max(0, 5 - exp));
    if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, "");
    return s;
  };
  /* cycle.compare._fmt: the metrics table's format. */
  C.fmt = function (x, units) {
    if (x === null || x === undefined || Number.isNaN(x)) return "–";
    if (units === "year") return x.toFixed(2);
    const a = Math.abs(x);
    if (a >= 100) return Math.round(x).toLocaleString("en-US");
    if (a >= 1) return x.toFixed(2);
    return x.toFixed(4);
  };

  // ---- charts -------------------------------------------------------------------------------
  const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
    "#17becf", "#bcbd22", "#7f7f7f"];
  C.PALETTE = PALETTE;
  C.FONT = "CycleCJK, 'Noto Sans CJK SC', 'Noto Sans', 'DejaVu Sans', sans-serif";

  function pairs(times, values, from, to) {
    const out = [];
    for (let i = 0; i < times.length; i++) {
      const t = times[i];
      if (t >= from - 1e-9 && t <= to + 1e-9) out.push([t, values[i]]);
    }
    return out;
  }
  C.pairs = pairs;

  /* ECharts option of one panel.
     lines: [{name, variable, times, values, color, dashed, width}]
     band: [{variable, times, lo, hi, color}] ; observed: [{variable, time, value, sigma}] */
  C.panelOption = function (panel, lines, opts) {
    const from = opts.from, to = opts.to;
    const series = [];
    for (const b of (opts.band || [])) {
      const lo = pairs(b.times, b.lo, from, to);
      const hi = pairs(b.times, b.hi, from, to);
      const stack = "band:" + b.variable;
      series.push({ type: "line", id: "band-lo:" + b.variable, name: "band-lo", data: lo, stack: stack, symbol: "none",
        lineStyle: { opacity: 0 }, silent: true, z: 1, tooltip: { show: false } });
      series.push({ type: "line", id: "band-hi:" + b.variable, name: C.t("Uncertainty band"), stack: stack, symbol: "none",
        data: hi.map((p, i) => [p[0], p[1] - lo[i][1]]), lineStyle: { opacity: 0 },
        areaStyle: { color: b.color, opacity: 0.18 }, silent: true, z: 1, tooltip: { show: false } });
    }
    for (const l of lines) {
      series.push({ type: "line", id: `${l.role}:${l.variable}`, name: l.name, data: pairs(l.times, l.values, from, to),
        symbol: "none", animation: false, z: l.dashed ? 4 : 3, emphasis: { disabled: true },
        lineStyle: { color: l.color, width: l.width || 2, type: l.dashed ? "dashed" : "solid" },
        itemStyle: { color: l.color }, cycleVariable: l.variable, cycleRole: l.role });
    }
    const obs = (opts.observed || []).filter((o) => panel.variables.includes(o.variable));
    if (obs.length) {
      const bars = [];
      for (const o of obs) { bars.push([o.time, o.value - o.sigma], [o.time, o.value + o.sigma], [null, null]); }
      series.push({ type: "line", id: "obs-bars", name: C.t("observed") + " ±1σ", data: bars, symbol: "none",
        connectNulls: false, lineStyle: { color: "#000", width: 1 }, silent: true, z: 5,
        tooltip: { show: false } });
      series.push({ type: "scatter", id: "obs", name: C.t("observed"), symbolSize: 7, z: 6,
        itemStyle: { color: "#000" }, data: obs.map((o) => [o.time, o.value]) });
    }
    const title = C.tv(panel.title) + (panel.units ? ` (${C.tu(panel.units)})` : "");
    const named = lines.filter((l) => l.legend !== false);
    const longest = Math.max(0, ...named.map((l) => l.name.length * (/[\u2e80-\u9fff]/.test(l.name) ? 2 : 1)));
    const perRow = Math.max(1, Math.floor(400 / (longest * 6 + 30)));
    const legendRows = (opts.legend || lines.length > 2) ? Math.ceil(named.length / perRow) : 0;
    return {
      animation: false,
      textStyle: { fontFamily: C.FONT },
      title: { text: title, left: 8, top: 4, textStyle: { fontSize: 13, fontFamily: C.FONT } },
      grid: { left: 58, right: 16, top: 32, bottom: legendRows ? 26 + 16 * legendRows : 26 },
      tooltip: { trigger: "axis", valueFormatter: (v) => (v === null || v === undefined) ? "" : C.g(v),
        textStyle: { fontFamily: C.FONT } },
      legend: { show: legendRows > 0, type: "plain", bottom: 0, itemWidth: 14, itemHeight: 8, itemGap: 6,
        textStyle: { fontSize: 10, fontFamily: C.FONT },
        data: lines.filter((l) => l.legend !== false).map((l) => l.name) },
      xAxis: { type: "value", min: from, max: to, name: "", axisLabel: { formatter: (v) => String(v) },
        axisPointer: { label: { formatter: (p) => Number(p.value).toFixed(2) } },
        splitLine: { show: true, lineStyle: { opacity: 0.4 } } },
      yAxis: { type: "value", scale: true,
        axisLabel: { formatter: (v) => C.g(v) }, splitLine: { lineStyle: { opacity: 0.4 } } },
      series: series,
    };
  };

  // ---- downloads ------------------------------------------------------------------------------
  C.download = function (filename, mime, data) {
    const blob = data instanceof Blob ? data : new Blob([data], { type: mime });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  };

  /* One PNG of every chart in a grid (the charts as drawn, with the page's font). */
  C.exportPNG = function (charts, title, filename) {
    const cols = 3, ratio = 2;
    const imgs = charts.map((c) => c.getDataURL({ type: "png", pixelRatio: ratio, backgroundColor: "#fff" }));
    const w = charts[0].getWidth() * ratio, h = charts[0].getHeight() * ratio, head = 60 * ratio;
    const rows = Math.ceil(charts.length / cols);
    const canvas = document.createElement("canvas");
    canvas.width = w * cols; canvas.height = h * rows + head;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = "#000"; ctx.font = (16 * ratio) + "px " + C.FONT;
    ctx.fillText(title, 12 * ratio, 36 * ratio);
    let left = imgs.length;
    return new Promise((resolve) => {
      imgs.forEach((src, i) => {
        const img = new Image();
        img.onload = () => {
          ctx.drawImage(img, (i % cols) * w, head + Math.floor(i / cols) * h, w, h);
          if (--left === 0) canvas.toBlob((blob) => { C.download(filename, "image/png", blob); resolve(blob.size); });
        };
        img.src = src;
      });
    });
  };

  /* One SVG of every chart: each panel rendered by ECharts' SVG renderer, the font embedded. */
  C.svgString = function (options, width, height, title) {
    const cols = 3, head = 60;
    const rows = Math.ceil(options.length / cols);
    const parts = [];
    options.forEach((opt, i) => {
      const chart = global.echarts.init(null, null, { renderer: "svg", ssr: true, width: width, height: height });
      chart.setOption(opt);
      let svg = chart.renderToSVGString();
      chart.dispose();
      svg = svg.replace(/^<svg /, `<svg x="${(i % cols) * width}" y="${head + Math.floor(i / cols) * height}" `);
      parts.push(svg);
    });
    const fontCss = (document.getElementById("cycle-font") || { textContent: "" }).textContent;
    const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${cols * width}" height="${head + rows * height}">` +
      `<style>${fontCss}</style><rect width="100%" height="100%" fill="#fff"/>` +
      `<text x="12" y="36" font-size="16" font-family="${C.FONT.replace(/'/g, "")}">${esc(title)}</text>` +
      parts.join("") + "</svg>";
  };

  C.csv = function (rows) {  // rows: arrays; quote where needed
    const q = (v) => {
      const s = typeof v === "number" ? (Number.isFinite(v) ? String(v) : "") : String(v);
      return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
    };
    return rows.map((r) => r.map(q).join(",")).join("\n") + "\n";
  };

  C.el = function (tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (v !== null && v !== undefined && v !== false) e.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  };

  global.CycleCommon = C;
})(window);
