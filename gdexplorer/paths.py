"""Where things live: the bundled seeds and resources, and the per-user cache for indexes."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "gdexplorer"
# Tests and CI point this at a temporary folder so that nothing touches the user's dirs.
CACHE_ENV = "GDEXPLORER_CACHE_DIR"

_SOURCE_TREE = Path(__file__).resolve().parent.parent


def _bundled(folder: str) -> Path:
    # Running from a checkout (or an editable install): the top-level folder is right there.
    candidate = _SOURCE_TREE / folder
    if candidate.is_dir() and (_SOURCE_TREE / "pyproject.toml").is_file():
        return candidate
    # Installed: pyproject.toml maps the folder into the package as gdexplorer._<folder>.
    return Path(__file__).resolve().parent / f"_{folder}"


def seeds_dir() -> Path:
    """The bundled seeds corpus (two Guangdong articles and their curated annotations)."""
    return _bundled("seeds")


def resources_dir() -> Path:
    return _bundled("resources")


def cache_dir() -> Path:
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    import platformdirs  # here, not at the top: the window's first paint needs only resources_dir()

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def index_dir_for(corpus_root: Path, annotations_dir: Path | None, base: Path | None = None) -> Path:
    """One index folder per (corpus, annotation set): readable name plus a hash of both paths."""
    import hashlib

    key = f"{corpus_root.resolve()}\n{annotations_dir.resolve() if annotations_dir else ''}"
    # fsencode: a folder name that is not UTF-8 has lone surrogates (PEP 383) that .encode("utf-8")
    # refuses; for every other name the bytes, and so the folder, are the same.
    digest = hashlib.sha1(os.fsencode(key)).hexdigest()[:12]
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in corpus_root.name)[:40] or "corpus"
    return (base or cache_dir()) / "indexes" / f"{safe}-{digest}"
