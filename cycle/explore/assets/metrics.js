/* The metric operations of cycle/metrics.py (OPS), generic over the spec the page embeds
   (CYCLE_DATA.metric_spec = cycle.metrics.spec_json). No metric's formula is written here:
   a metric is a name, units and one of these operations over the variables it names.
   A run is {times: [...], values: {variable: [...]}}. */
(function (global) {
  "use strict";
  const EPS = 1e-9;

  function series(res, variables) {  // Σ variables at every saved time
    const n = res.times.length, out = new Float64Array(n);
    for (const v of variables) { const x = res.values[v]; for (let i = 0; i < n; i++) out[i] += x[i]; }
    return out;
  }
  /* Linear between saved points (numpy.interp), NaN outside the run. */
  function at(t, v, year) {
    const n = t.length;
    if (year < t[0] - EPS || year > t[n - 1] + EPS) return NaN;
    if (year <= t[0]) return v[0];
    if (year >= t[n - 1]) return v[n - 1];
    let lo = 0, hi = n - 1;  // t[lo] <= year < t[hi]
    while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (t[mid] <= year) lo = mid; else hi = mid; }
    if (year === t[lo]) return v[lo];
    const slope = (v[hi] - v[lo]) / (t[hi] - t[lo]);
    return slope * (year - t[lo]) + v[lo];
  }
  function windowOf(m, t) {
    return [m.window[0] === null ? t[0] : m.window[0], m.window[1] === null ? t[t.length - 1] : m.window[1]];
  }

  const OPS = {
    value_at(m, res, base, year) { return at(res.times, series(res, m.variables), year); },
    ratio_of_differences(m, res, base, year) {
      const den = at(res.times, series(res, m.denominator), year) - at(base.times, series(base, m.denominator), year);
      if (!Number.isFinite(den) || Math.abs(den) < m.threshold) return NaN;
      return (at(res.times, series(res, m.variables), year) - at(base.times, series(base, m.variables), year)) / den;
    },
    cumulative_difference(m, res, base, year, t, v, start, end) {
      const vb = series(base, m.variables);
      const grid = [start];
      for (const x of t) if (x > start && x < end) grid.push(x);
      grid.push(end);
      let sum = 0, prev = at(t, v, grid[0]) - at(base.times, vb, grid[0]);
      for (let i = 1; i < grid.length; i++) {
        const d = at(t, v, grid[i]) - at(base.times, vb, grid[i]);
        sum += (d + prev) / 2 * (grid[i] - grid[i - 1]);
        prev = d;
      }
      return sum;
    },
    peak(m, res, base, year, t, v, start, end) {
      let best = NaN;  // NaN: no saved point in the window
      for (let i = 0; i < t.length; i++) {
        if (t[i] >= start - EPS && t[i] <= end + EPS && !(v[i] <= best)) best = v[i];
      }
      return best;
    },
    deepest_shortfall(m, res, base, year, t, v, start, end) {
      const vb = series(base, m.variables);
      let low = 0, seen = false;
      for (let i = 0; i < t.length; i++) {
        if (t[i] < start - EPS || t[i] > end + EPS) continue;
        seen = true;
        const b = at(base.times, vb, t[i]);
        const gap = b > 0 ? v[i] / b - 1 : 0;
        if (gap < low) low = gap;
      }
      return seen ? low : NaN;  // NaN: no saved point in the window
    },
    first_year_reaching(m, res, base, year, t, v) {
      const target = m.threshold * at(t, v, m.reference);
      let prev = -1;
      for (let i = 0; i < t.length; i++) {
        if (t[i] < m.reference - EPS) continue;
        if (v[i] >= target) {
          if (prev < 0) return t[i];
          return t[prev] + (target - v[prev]) / (v[i] - v[prev]) * (t[i] - t[prev]);
        }
        prev = i;
      }
      return NaN;
    },
  };
  const AT_YEAR = new Set(["value_at", "ratio_of_differences"]);

  /* The value of metric m (a spec entry) for run res against base (at year for at-year ops). */
  function evaluate(m, res, base, year) {
    const op = OPS[m.op];
    if (!op) throw new Error(`unknown metric operation ${m.op}`);
    if (AT_YEAR.has(m.op)) return op(m, res, base, year);
    const t = res.times, v = series(res, m.variables);
    const [start, end] = windowOf(m, t);
    if (start < t[0] - EPS || end > t[t.length - 1] + EPS) return NaN;
    return op(m, res, base, year, t, v, start, end);
  }

  /* Every row of the spec (its metrics' row_years, in order): {metric, year, units, baseline,
     value, difference, formula}; difference = the metric of res minus that of base against itself. */
  function table(spec, res, base) {
    const rows = [];
    for (const m of spec.metrics) {
      for (const year of m.row_years) {
        const y = year === null ? NaN : year;
        const value = evaluate(m, res, base, y), b = evaluate(m, base, base, y);
        rows.push({ metric: m.name, year: year, units: m.units, baseline: b, value: value, difference: value - b,
          formula: m.formula });
      }
    }
    return rows;
  }

  /* Every variable the spec reads. */
  function variables(spec) {
    return [...new Set(spec.metrics.flatMap((m) => [...m.variables, ...m.denominator]))];
  }

  global.CycleMetrics = { OPS: Object.keys(OPS), evaluate: evaluate, table: table, variables: variables, at: at };
})(window);
