"""Where codemesh keeps things on a user's machine (XDG base directories)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "codemesh"


def default_store_dir() -> Path:
    """Reused across runs, so blobs uploaded once are not uploaded again."""
    return cache_dir() / "store"


def log_dir() -> Path:
    return cache_dir() / "logs"
