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

    def ctl(self, action: str) -> None:
        """``pg_ctl stop`` / ``start`` / ``restart``, waiting until it is done."""
        bin_dir = binaries()
        assert bin_dir is not None
        data = self.folder / "data"
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        argv = [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(self.folder / "log"), "-w"]
        if action == "stop":
            _run([*argv, "-m", "fast", "stop"])
        else:
            _run([*argv, "-o", options, action])


def binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: on PATH, or Debian's versioned folder (newest)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent  # a link on PATH: the folder with its sibling tools
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


def _run(argv: list[str], env: dict[str, str] | None = None) -> None:
    done = subprocess.run(_as_server_user(argv), capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:2])} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")


def _folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="gdx-pg-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
    return folder


@contextlib.contextmanager
def standby_of(primary: Server) -> Iterator[Server]:
    """A hot standby streaming from ``primary``, which then waits for it at each commit
    (``remote_apply``): what the primary has committed, the standby answers at once."""
    bin_dir = binaries()
    assert bin_dir is not None
    folder = _folder()
    try:
        env = dict(os.environ, PGPASSWORD=PASSWORD)
        _run([str(bin_dir / "pg_basebackup"), "-D", str(folder / "data"), "-h", "127.0.0.1",
              "-p", str(primary.port), "-U", "postgres", "-R", "-X", "stream"], env)
        standby = Server(_free_port(), folder)
        standby.ctl("start")
        try:
            import psycopg

            with psycopg.connect(primary.url(), autocommit=True) as conn:
                conn.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
                conn.execute("ALTER SYSTEM SET synchronous_commit = 'remote_apply'")
                conn.execute("SELECT pg_reload_conf()")
            yield standby
        finally:
            with contextlib.suppress(RuntimeError):
                _run([str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "-w", "stop"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def running_server() -> Iterator[Server]:
    """A fresh cluster with password authentication over TCP, stopped and deleted afterwards."""
    bin_dir = binaries()
    if bin_dir is None:
        raise FileNotFoundError("no PostgreSQL server binaries (initdb) on this machine")
    folder = _folder()
    try:
        pwfile = folder / "pw"
        pwfile.write_text(PASSWORD + "\n", encoding="utf-8")
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(pwfile, user.pw_uid, user.pw_gid)
        data = folder / "data"
        _run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--pwfile", str(pwfile),
              "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"])
        server = Server(_free_port(), folder)
        server.ctl("start")  # -w: returns once the server accepts connections (or fails)
        try:
            yield server
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
