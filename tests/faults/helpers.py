"""Shared tools of the fault suite: corpus snapshots, CLI subprocesses, waiting and killing.

Tests run as root, so permission bits protect nothing: unreadable or unwritable files are
simulated by injecting ``OSError``s, and "read-only" means "asserted unchanged, byte for byte".
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import REPO

PYTHON = sys.executable
WORDS = ["port", "ship", "harbour", "crane", "cargo", "river", "bridge", "tower", "market", "trade", "steel",
         "solar", "wind", "rail", "metro", "drone", "ferry", "dock", "quay", "canal"]


def snapshot(root: Path) -> dict[str, tuple[object, ...]]:
    """Every path under ``root`` (not following links) with its kind, bytes' hash, size and mtime."""
    found: dict[str, tuple[object, ...]] = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in (*dirs, *files):
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix()
            st = path.lstat()
            if path.is_symlink():
                found[rel] = ("link", os.readlink(path), st.st_mtime_ns)
            elif path.is_dir():
                found[rel] = ("dir", st.st_mode, st.st_mtime_ns)
            else:
                with open(path, "rb") as fh:  # not Path.read_bytes: tests inject faults into that
                    digest = hashlib.sha256(fh.read()).hexdigest()
                found[rel] = ("file", digest, st.st_size, st.st_mode, st.st_mtime_ns)
    return found


def make_big_corpus(root: Path, count: int = 3000, seed: int = 1) -> Path:
    """``count`` small articles under ``root/articles``; every 7th mentions a zebra."""
    rnd = random.Random(seed)
    articles = root / "articles"
    articles.mkdir(parents=True)
    for i in range(count):
        body = " ".join(rnd.choice(WORDS) for _ in range(30))
        if i % 7 == 0:
            body += " A zebra was seen on the quay."
        (articles / f"{i:05}.txt").write_text(f"Harbour report {i}\n\n{body}\n", encoding="utf-8")
    return root


def articles_with(root: Path, word: str) -> set[str]:
    """Ids of the articles whose text has ``word`` as a whole word (the truth a search must match)."""
    pattern = re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE)
    return {
        p.relative_to(root).as_posix()
        for p in (root / "articles").rglob("*.txt")
        if pattern.search(p.read_text(encoding="utf-8"))
    }


def cli_env(cache: Path | str | None = None) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    if cache is not None:
        env["GDEXPLORER_CACHE_DIR"] = str(cache)
    env.pop("PYTHONWARNINGS", None)
    return env


def run_cli(*args: str | bytes, cache: Path | str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """``python -m gdexplorer ARGS`` in a subprocess, as a user would run it."""
    return subprocess.run([PYTHON, "-m", "gdexplorer", *args], env=cli_env(cache), capture_output=True,
                          timeout=timeout, cwd=REPO)


def start_cli(*args: str, cache: Path | str | None = None, **kw: object) -> subprocess.Popen:
    """Start ``python -m gdexplorer ARGS`` in its own session (its group id is its pid), to kill it later."""
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen([PYTHON, "-m", "gdexplorer", *args], env=cli_env(cache), cwd=REPO,
                            start_new_session=True, **kw)  # type: ignore[call-overload]


def start_python(code: str, *args: str, cache: Path | str | None = None, stdin: int | None = None) -> subprocess.Popen:
    """Run ``python -c CODE ARGS`` in its own session, text stdout (and ``stdin=PIPE``) for handshakes."""
    return subprocess.Popen([PYTHON, "-c", code, *args], env=cli_env(cache), cwd=REPO, start_new_session=True,
                            stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30,
             proc: subprocess.Popen | None = None) -> None:
    """Poll ``condition`` every few milliseconds; fail clearly on timeout or if ``proc`` ends first."""
    deadline = time.monotonic() + timeout
    while not condition():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the process ended (exit {proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.004)


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the session started for ``proc`` (its pid is the group id) and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of a process group, from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state != "Z":
            members.append(int(entry.name))
    return members


def children_of(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def index_files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()
