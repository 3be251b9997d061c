"""A real PostgreSQL server for the tests: ``initdb`` in a temporary folder, ``postgres`` on 127.0.0.1.

Never a mock: the server backend is tested against the server it will meet. As root, the server
runs as the ``postgres`` user (PostgreSQL refuses to run as root). Tests skip, saying why, only
where no server binaries can be found (``.ci/run`` installs them).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PASSWORD = "gdx-test-secret"


@dataclass(frozen=True)
class Server:
    port: int
    folder: Path

    def url(self, database: str = "postgres", password: str = PASSWORD) -> str:
        return f"postgresql://postgres:{password}@127.0.0.1:{self.port}/{database}"


def binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: on PATH, or Debian's versioned folder (newest)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                      key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_server_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


def _run(argv: list[str]) -> None:
    done = subprocess.run(_as_server_user(argv), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:2])} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")


@contextlib.contextmanager
def running_server() -> Iterator[Server]:
    """A fresh cluster with password authentication over TCP, stopped and deleted afterwards."""
    bin_dir = binaries()
    if bin_dir is None:
        raise FileNotFoundError("no PostgreSQL server binaries (initdb) on this machine")
    folder = Path(tempfile.mkdtemp(prefix="gdx-pg-"))
    try:
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(folder, user.pw_uid, user.pw_gid)
        pwfile = folder / "pw"
        pwfile.write_text(PASSWORD + "\n", encoding="utf-8")
        if os.geteuid() == 0:
            os.chown(pwfile, user.pw_uid, user.pw_gid)
        data = folder / "data"
        _run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--pwfile", str(pwfile),
              "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"])
        port = _free_port()
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        # -w: pg_ctl returns once the server accepts connections (or fails).
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-o", options, "-w", "start"])
        try:
            yield Server(port, folder)
        finally:
            with contextlib.suppress(RuntimeError):
                _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


_names = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    if binaries() is None:
        reason = "PostgreSQL's server (initdb, postgres) is not installed: `apt-get install postgresql`"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (.ci/run installs it; CI must not skip the server tests)")
        pytest.skip(reason)
    pytest.importorskip("psycopg", reason="psycopg is not installed: pip install 'gdexplorer[server]'")
    with running_server() as server:
        yield server


@pytest.fixture
def pg_url(pg_server: Server) -> str:
    """The URL of a new, empty database of its own."""
    import psycopg

    name = f"gdx_test_{os.getpid()}_{next(_names)}"
    with psycopg.connect(pg_server.url(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return pg_server.url(name)
