"""SDEverywhere's C of a model, measured in the same run as the engine (bench_engine.py --sde).

SDEverywhere's compiler is published on npm (``@sdeverywhere/compile``); its C runtime is
not, and this project neither ships nor builds code from a repository checkout.  So, at run
time only, in a temporary folder:

1. ``npm install @sdeverywhere/compile`` (its ``xlsx`` dependency points at a CDN that is
   unreachable here; an npm ``overrides`` entry replaces it by a stub, as models without
   GET XLS data never call it);
2. the compiler generates ``model.c`` from the ``.mdl``, with every constant as an input
   (``setInputs``) and the stocks as outputs (``storeOutputData``);
3. a minimal runtime of our own (``sde.h``: the macros and functions the generated code
   calls, with Vensim's semantics; ``harness.c``: SDEverywhere's loop — constants, inputs,
   levels' initial values, then per TIME STEP: auxiliaries, outputs at saved times,
   levels) is compiled with it by ``gcc -O2`` (no -ffast-math) into a shared library;
4. its stocks are checked against the engine's compiled loop (relative 1e-9) on perturbed
   parameter sets before anything is timed.

SDEverywhere 0.7.28 has no TANH; a model that calls it is compiled with TANH(x) written as
(EXP(2*(x))-1)/(EXP(2*(x))+1) (the check above still applies; it costs one more EXP a call).

Nothing here is committed SDEverywhere code: it is fetched from the npm registry when the
benchmark runs, and skipped with a reason when npm, node or gcc is missing.
"""

from __future__ import annotations

import ctypes
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

SDE_VERSION = "0.7.28"

SDE_H = r"""/* Minimal runtime for SDEverywhere-generated model C (cycle's own, written from what the
   generated code calls; Vensim semantics). */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
extern double _time;
extern double _time_step;
#define _epsilon 1e-6
#define bool_cond(b) ((double)(b) != 0.0)
#define _IF_THEN_ELSE(c, t, f) (bool_cond(c) ? (t) : (f))
#define _INTEG(value, rate) ((value) + (rate) * _time_step)
#define _ABS(x) fabs(x)
#define _EXP(x) exp(x)
#define _LN(x) log(x)
#define _SQRT(x) sqrt(x)
#define _POW(a, b) pow(a, b)
#define _MIN(a, b) fmin(a, b)
#define _MAX(a, b) fmax(a, b)
#define _ZIDZ(a, b) (bool_cond(fabs(b) < _epsilon) ? 0.0 : (a) / (b))
#define _XIDZ(a, b, x) (bool_cond(fabs(b) < _epsilon) ? (x) : (a) / (b))
static inline double _STEP(double height, double step_time) {
  return _time + _time_step / 2.0 > step_time ? height : 0.0;
}
static inline double _RAMP(double slope, double start_time, double end_time) {
  if (_time > start_time) {
    if (_time < end_time || start_time > end_time) return slope * (_time - start_time);
    return slope * (end_time - start_time);
  }
  return 0.0;
}
void outputVar(double value);
"""

HARNESS_C = r"""/* cycle's run loop for an SDEverywhere-generated model.c: Euler steps of TIME STEP from
   INITIAL TIME; per step auxiliaries, outputs at saved times, then levels. */
#include "sde.h"
double _time;
extern double _initial_time, _final_time, _saveper;
void initConstants(void);
void initLevels(void);
void evalAux(void);
void evalLevels(void);
void storeOutputData(void);
void setInputs(double* inputValues, int32_t* inputIndices);
static double *_out;
static size_t _k;
void outputVar(double value) { _out[_k++] = value; }
/* n runs; inputs (n, ninputs) row-major, every input in spec order (NULL: defaults);
   out: each run's outputs at each saved time, run by run. Returns the values written. */
size_t run_many(long n, const double *inputs, long ninputs, double *out) {
  _out = out;
  _k = 0;
  for (long m = 0; m < n; m++) {
    initConstants();
    if (inputs) setInputs((double *)(inputs + m * ninputs), NULL);
    initLevels();
    _time = _initial_time;
    double last = round((_final_time - _initial_time) / _time_step);
    for (long step = 0; ; step++) {
      evalAux();
      double r = fmod(_time - _initial_time, _saveper);
      if (r < 1e-6 * _time_step || _saveper - r < 1e-6 * _time_step) storeOutputData();
      if (step >= last) break;
      evalLevels();
      _time = _time + _time_step;
    }
  }
  return _k;
}
"""

GENERATE_MJS = """import fs from 'fs'
import { parseAndGenerate } from '@sdeverywhere/compile'
const [mdlPath, outDir, specPath] = process.argv.slice(2)
const spec = JSON.parse(fs.readFileSync(specPath, 'utf8'))
fs.mkdirSync(outDir, { recursive: true })
const code = await parseAndGenerate(fs.readFileSync(mdlPath, 'utf8'), 'vensim', spec,
  ['generateC'], process.cwd(), 'model', outDir)
fs.writeFileSync(outDir + '/model.c', code)
"""

XLSX_STUB = ("module.exports = { set_fs() {}, readFile() { throw new Error("
             "'xlsx is not available in this benchmark'); }, utils: {} };\n")


def without_tanh(text: str) -> tuple[str, int]:
    """The model text with every TANH(x) written as (EXP(2*(x))-1)/(EXP(2*(x))+1)."""
    count = 0
    while True:
        start = text.upper().find("TANH(")
        if start < 0:
            return text, count
        depth, end = 0, start + 4
        for end in range(start + 4, len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                break
        arg = text[start + 5:end]
        text = (text[:start] + f"((EXP(2*({arg}))-1)/(EXP(2*({arg}))+1))" + text[end + 1:])
        count += 1


class SDEReference:
    """SDEverywhere's C of `mdl` with every constant as an input and the stocks as outputs."""

    def __init__(self, mdl: Path, engine) -> None:
        for tool in ("npm", "node", "gcc"):
            if shutil.which(tool) is None:
                raise RuntimeError(f"{tool} is not installed")
        self.engine = engine
        self.inputs = list(engine.constants)
        self.outputs = list(engine.stocks)
        self._tmp = tempfile.TemporaryDirectory()
        folder = Path(self._tmp.name)
        (folder / "xlsx-stub").mkdir()
        (folder / "xlsx-stub" / "package.json").write_text(
            json.dumps({"name": "xlsx", "version": "0.20.2", "main": "index.js"}))
        (folder / "xlsx-stub" / "index.js").write_text(XLSX_STUB)
        (folder / "package.json").write_text(json.dumps({
            "name": "cycle-sde-bench", "version": "1.0.0", "private": True, "type": "module",
            "dependencies": {"@sdeverywhere/compile": SDE_VERSION},
            "overrides": {"xlsx": "file:./xlsx-stub"}}))
        self._run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], folder)
        text, self.tanh = without_tanh(Path(mdl).read_text(encoding="utf-8"))
        (folder / "model.mdl").write_text(text, encoding="utf-8")
        (folder / "spec.json").write_text(json.dumps(
            {"inputVarNames": self.inputs, "outputVarNames": self.outputs}))
        (folder / "generate.mjs").write_text(GENERATE_MJS)
        self._run(["node", "generate.mjs", "model.mdl", "build", "spec.json"], folder)
        (folder / "build" / "sde.h").write_text(SDE_H)
        (folder / "build" / "harness.c").write_text(HARNESS_C)
        lib = folder / "build" / "model.so"
        self._run(["gcc", "-O2", "-shared", "-fPIC", "-o", str(lib), "model.c", "harness.c",
                   "-lm"], folder / "build")
        self.lib = ctypes.CDLL(str(lib))
        self.lib.run_many.restype = ctypes.c_size_t
        self.version = SDE_VERSION

    @staticmethod
    def _run(argv: list[str], cwd: Path) -> None:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv[:2])} failed: "
                               f"{(done.stderr or done.stdout).strip().splitlines()[-1:]}")

    def setup(self, params: dict[str, np.ndarray], n: int):
        """A function running `n` members (every constant of `params`, defaults else) and
        returning their stocks as ``(n, saved times, stocks)``."""
        X = np.empty((n, len(self.inputs)))
        for j, name in enumerate(self.inputs):
            X[:, j] = params.get(name, self.engine.constants[name])
        saves = len(self.engine.output_layout(self.outputs[:1])[2])
        out = np.empty(n * saves * len(self.outputs) + 1)
        ptr = ctypes.c_void_p

        def run() -> np.ndarray:
            k = self.lib.run_many(ctypes.c_long(n), ptr(X.ctypes.data),
                                  ctypes.c_long(len(self.inputs)), ptr(out.ctypes.data))
            if k != n * saves * len(self.outputs):
                raise RuntimeError(f"SDEverywhere's C saved {k} values, not "
                                   f"{n * saves * len(self.outputs)}")
            return out[:k].reshape(n, saves, len(self.outputs))

        return run

    def check(self, params: dict[str, np.ndarray], n: int) -> float:
        """Largest relative difference of the stocks between SDEverywhere's C and the
        engine's compiled loop."""
        got = self.setup(params, n)()
        res = self.engine.run(params, n=n, return_columns=self.outputs, backend="numba")
        worst = 0.0
        for j, name in enumerate(self.outputs):
            ref = res.values[name]
            scale = max(float(np.max(np.abs(ref))), 1e-300)
            worst = max(worst, float(np.max(np.abs(got[:, :, j] - ref))) / scale)
        return worst
