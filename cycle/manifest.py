"""The run manifest (moved to :mod:`cycle.io.manifest`; kept here so old imports work)."""

from cycle.io.manifest import package_versions, verify_folder, write_manifest

__all__ = ["package_versions", "write_manifest", "verify_folder"]
