"""Folders the build makes once and keeps under `.cache/`, by a key of everything that went into them
(the layer's installed packages, compiled copies of our code): repeated synths only copy."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from infra import ROOT

CACHE = ROOT / ".cache"


def cached_folder(kind: str, key: str, build: Callable[[Path], None]) -> Path:
    """`.cache/<kind>/<key>`, made by `build(folder)` (an empty folder) when it does not exist yet.
    Built in a folder of this process's own and renamed into place: two synths at once (parallel
    test workers) may both build; the first rename wins and the other copy is dropped."""
    folder = CACHE / kind / key
    if folder.exists():
        return folder
    staging = folder.with_name(f"{key}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    build(staging)
    try:
        staging.rename(folder)
    except OSError:
        if not folder.exists():
            raise
        shutil.rmtree(staging, ignore_errors=True)
    return folder
