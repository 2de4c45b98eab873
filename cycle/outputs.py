"""Single-file writers (moved to :mod:`cycle.io.files`; kept here so old imports work)."""

from cycle.io.files import atomic_write, save_figure, write_csv, write_json, write_text

__all__ = ["atomic_write", "write_text", "write_csv", "write_json", "save_figure"]
