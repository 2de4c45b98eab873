"""The CSV writer's fast path for float tables writes pandas' bytes (cycle.io.files)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cycle.io.files import _plain_numbers, write_csv

_AWKWARD = [0.0, -0.0, 1.0, -1.5, 0.1, 1 / 3, 2021.0625, 1e16, 1e-5, 1e-4, 123456789012345678.0,
            5e-324, 1.7976931348623157e308, 2.2250738585072014e-308, 1e22, 1e21, 9.999999999999999e15,
            0.30000000000000004, 12345.678901234567, 7e-7]


def _frames():
    rng = np.random.default_rng(0)
    n = 400
    bits = rng.integers(0, 2**63, size=n, dtype=np.int64).view(np.float64)  # any bit pattern
    bits = bits[np.isfinite(bits)]
    yield pd.DataFrame({"a": rng.normal(size=n), "b, with comma": rng.lognormal(size=n) * 1e6,
                        'c "quoted"': rng.uniform(size=n) * 1e-8},
                       index=pd.RangeIndex(n, name="run"))
    yield pd.DataFrame({"x": bits, "y": -bits}, index=pd.Index(np.arange(len(bits)) / 16 + 2021,
                                                               name="time"))
    yield pd.DataFrame({"awkward": _AWKWARD, "中文 名": _AWKWARD[::-1]})
    yield pd.DataFrame({"one": [1.0]}, index=pd.Index([7], name=None))


@pytest.mark.parametrize("df", list(_frames()))
def test_the_fast_path_writes_pandas_bytes(tmp_path, df):
    assert _plain_numbers(df)
    path = write_csv(tmp_path / "t.csv", df)
    assert path.read_bytes() == df.to_csv().encode("utf-8")


@pytest.mark.parametrize("df", [
    pd.DataFrame({"a": [1.0, np.nan]}),
    pd.DataFrame({"a": [1.0, np.inf]}),
    pd.DataFrame({"a": [1, 2]}),
    pd.DataFrame({"a": ["x", "y"]}),
    pd.DataFrame({"a": [1.0, 2.0]}, index=pd.Index(["p", "q"])),
    pd.DataFrame([[1.0, 2.0]], columns=["a", "a"]),
    pd.DataFrame({"a": [1.0]}, index=pd.MultiIndex.from_tuples([(1, 2)])),
])
def test_anything_else_goes_to_pandas(tmp_path, df):
    assert not _plain_numbers(df)
    assert write_csv(tmp_path / "t.csv", df).read_bytes() == df.to_csv().encode("utf-8")


def test_a_table_longer_than_one_block_is_written_whole(tmp_path, monkeypatch):
    """Rows are converted a block at a time (bounded memory); the blocks' seams lose nothing."""
    import cycle.io.files as files

    monkeypatch.setattr(files, "_ROWS_AT_ONCE", 7)
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"a": rng.normal(size=30), "b": rng.uniform(size=30)},
                      index=pd.RangeIndex(30, name="run"))
    assert write_csv(tmp_path / "t.csv", df).read_bytes() == df.to_csv().encode("utf-8")
