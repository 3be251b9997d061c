"""Hostile input (issue 14): each bad input gets one clear message naming the file (and line and
column where there is one), nothing is lost or replaced, and the rest keeps working."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from gdexplorer.explorer import Explorer
from tests.faults.helpers import run_cli

# -- export targets (3) ---------------------------------------------------------------------------


def test_export_writes_a_fifo_in_place_and_it_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "out.md"
    os.mkfifo(fifo)
    # A reader that does not block: the export's open() then finds one, and the text waits in the pipe.
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        done = run_cli("export", "entity", "ehang", "-o", str(fifo))
        received = os.read(reader, 1 << 16)
    finally:
        os.close(reader)
    assert done.returncode == 0, done.stderr.decode()
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert received.decode().startswith("# EHang")


def test_export_to_a_link_to_a_device_writes_the_device_and_keeps_the_link(tmp_path: Path) -> None:
    link = tmp_path / "null.csv"
    link.symlink_to("/dev/null")
    done = run_cli("export", "results", "hydrogen", "-o", str(link))
    assert done.returncode == 0, done.stderr.decode()
    assert link.is_symlink() and os.readlink(link) == "/dev/null"
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_export_to_a_link_writes_its_target(tmp_path: Path) -> None:
    target = tmp_path / "real.csv"
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(target.name)
    done = run_cli("export", "results", "hydrogen", "-o", str(link))
    assert done.returncode == 0, done.stderr.decode()
    assert link.is_symlink() and os.readlink(link) == "real.csv"
    assert target.read_text(encoding="utf-8").startswith("rank,")


def test_export_refuses_to_replace_a_read_only_file(tmp_path: Path) -> None:
    out = tmp_path / "kept.csv"
    out.write_text("precious\n", encoding="utf-8")
    out.chmod(0o444)
    done = run_cli("export", "results", "hydrogen", "-o", str(out))
    assert done.returncode == 1
    assert done.stderr.decode() == f"gdexplorer export: cannot write {out}: the file is read-only\n"
    assert out.read_text(encoding="utf-8") == "precious\n"
    assert [p.name for p in tmp_path.iterdir()] == ["kept.csv"]


def test_save_text_refuses_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    with pytest.raises(OSError, match=r"not a regular file \(a folder, device, FIFO or socket\)"):
        Explorer.save_text(folder, "text")
    assert folder.is_dir() and list(folder.iterdir()) == []
