"""Bare ``gdexplorer`` where no window can open: one line on stderr and exit 1, never Qt's abort and core dump."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="only Linux can lack a display (Windows and macOS always have theirs)")

# Everything that tells Qt where (or whether) to show a window.
DISPLAY_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET", "XDG_SESSION_TYPE", "QT_QPA_PLATFORM",
                     "QT_PLUGIN_PATH", "QT_QPA_PLATFORM_PLUGIN_PATH")


def start_window(tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """``python -m gdexplorer`` with no display but ``variables``, private folders, from the checkout."""
    env = {k: v for k, v in os.environ.items() if k not in DISPLAY_VARIABLES}
    for name in ("home", "runtime", "cache"):
        (tmp_path / name).mkdir(mode=0o700)
    env.update(HOME=str(tmp_path / "home"), XDG_CONFIG_HOME=str(tmp_path / "home" / ".config"),
               XDG_RUNTIME_DIR=str(tmp_path / "runtime"), GDEXPLORER_CACHE_DIR=str(tmp_path / "cache"),
               **{"PYTHONPATH": str(REPO), **variables})
    return subprocess.run([sys.executable, "-m", "gdexplorer"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)


def assert_one_line_and_exit_1(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != -signal.SIGABRT, f"Qt aborted:\n{result.stderr}"
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Aborted" not in result.stderr and "qt.qpa" not in result.stderr
    assert lines[0].startswith("gdexplorer: cannot open the window")
    assert lines[0].endswith("the subcommands need no window, e.g. `gdexplorer search hydrogen` "
                             "(see `gdexplorer --help`)")
    return lines[0]


def test_without_a_display_it_says_so(tmp_path: Path):
    line = assert_one_line_and_exit_1(start_window(tmp_path))
    assert line.startswith("gdexplorer: cannot open the window: there is no display to show it on "
                           "(neither DISPLAY nor WAYLAND_DISPLAY is set); ")


def test_a_platform_asked_for_without_its_display_is_named(tmp_path: Path):
    line = assert_one_line_and_exit_1(start_window(tmp_path, QT_QPA_PLATFORM="xcb"))
    assert line.startswith("gdexplorer: cannot open the window (as QT_QPA_PLATFORM asks, on 'xcb'): "
                           "there is no X display (DISPLAY is not set); ")


def test_a_platform_qt_cannot_start_is_one_line_too(tmp_path: Path):
    # Nothing the check knows: Qt itself gives up, and its reason comes out in one line.
    line = assert_one_line_and_exit_1(start_window(tmp_path, QT_QPA_PLATFORM="nosuchplatform"))
    assert line.startswith("gdexplorer: cannot open the window: Qt says "
                           "'Could not find the Qt platform plugin \"nosuchplatform\" in \"\"'; ")


def test_a_display_that_does_not_answer_is_one_line_too(tmp_path: Path):
    number = next(n for n in range(371, 471) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    line = assert_one_line_and_exit_1(start_window(tmp_path, DISPLAY=f":{number}"))
    # Qt names the display; unless the xcb plugin's libraries are missing here, which the check names first.
    assert f"Qt says 'could not connect to display :{number}'" in line or "not found on this system" in line


def test_qt_libraries_that_cannot_load_are_named_in_one_line(tmp_path: Path):
    # What importing PySide6 raises on a system without GLib (a fresh Debian 12): the dynamic loader's text.
    fake = tmp_path / "site" / "PySide6"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        'raise ImportError("libglib-2.0.so.0: cannot open shared object file: No such file or directory")\n')
    result = start_window(tmp_path, DISPLAY=":0", PYTHONPATH=f"{tmp_path / 'site'}{os.pathsep}{REPO}")
    line = assert_one_line_and_exit_1(result)
    assert "Qt needs libglib-2.0.so.0, not found on this system (on Debian/Ubuntu: sudo apt install libglib2.0-0" in line
