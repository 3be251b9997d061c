"""The start-up check: where Qt would abort, one line says why; the README and CI name what the window needs."""

from __future__ import annotations

import io
import re
import shutil
import sys
from pathlib import Path

import pytest
from PySide6 import QtCore
from PySide6.QtCore import QLibraryInfo, qWarning

from gdexplorer.gui.platformcheck import (
    DEBIAN_PACKAGES,
    INSTEAD,
    describe_missing,
    fatal_as_one_line,
    window_problem,
)
from tests.conftest import REPO

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Qt's xcb and Wayland plugins are Linux's")

NO_DISPLAY = f"cannot open the window: there is no display to show it on (neither DISPLAY nor WAYLAND_DISPLAY is set); {INSTEAD}"
WAYLAND_PACKAGES = {"libwayland-client0", "libwayland-cursor0"}


@pytest.mark.parametrize(("environ", "argv", "expected"), [
    ({}, [], NO_DISPLAY),
    ({"XDG_SESSION_TYPE": "wayland"}, [], NO_DISPLAY),
    ({"DISPLAY": ":0"}, [], None),
    ({"WAYLAND_DISPLAY": "wayland-1"}, [], None),
    ({"QT_QPA_PLATFORM": "offscreen"}, [], None),
    ({"QT_QPA_PLATFORM": "Offscreen:fontengine=freetype"}, [], None),
    ({"QT_QPA_PLATFORM": "minimal;xcb"}, [], None),
    ({"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":0"}, [], None),
    ({"QT_QPA_PLATFORM": "xcb"}, ["gdexplorer", "-platform", "offscreen"], None),
    ({"QT_QPA_PLATFORM": "xcb"},
     [],
     f"cannot open the window (as QT_QPA_PLATFORM asks, on 'xcb'): there is no X display (DISPLAY is not set); {INSTEAD}"),
    ({"QT_QPA_PLATFORM": "offscreen"},
     ["gdexplorer", "--platform", "xcb"],
     f"cannot open the window (as -platform asks, on 'xcb'): there is no X display (DISPLAY is not set); {INSTEAD}"),
    ({"QT_QPA_PLATFORM": "wayland"},
     [],
     f"cannot open the window (as QT_QPA_PLATFORM asks, on 'wayland'): there is no Wayland display (WAYLAND_DISPLAY is not set); {INSTEAD}"),
    # Qt does not read "-platform=NAME", so neither do we.
    ({}, ["gdexplorer", "-platform=offscreen"], NO_DISPLAY),
])
def test_the_display_qt_would_use_is_looked_for(environ, argv, expected):
    assert window_problem(None, argv, environ, system="linux") == expected


def test_other_systems_are_not_judged():
    assert window_problem(None, [], {}, system="win32") is None
    assert window_problem(None, [], {}, system="darwin") is None


def test_a_wayland_socket_in_the_runtime_folder_is_a_display(tmp_path: Path):
    environ = {"XDG_SESSION_TYPE": "wayland", "XDG_RUNTIME_DIR": str(tmp_path)}
    assert window_problem(None, [], environ, system="linux") == NO_DISPLAY
    (tmp_path / "wayland-0").touch()
    assert window_problem(None, [], environ, system="linux") is None


def plugins_with(tmp_path: Path, *, copy: Path | None = None, link: Path | None = None, text: str = "") -> Path:
    """A plugin folder whose platforms/libqxcb.so is a copy of or a link to a library, or a file holding ``text``."""
    platforms = tmp_path / "plugins" / "platforms"
    platforms.mkdir(parents=True)
    plugin = platforms / "libqxcb.so"
    if copy is not None:
        shutil.copy(copy, plugin)
    elif link is not None:
        plugin.symlink_to(link)
    else:
        plugin.write_text(text, encoding="utf-8")
    return tmp_path / "plugins"


@linux_only
def test_a_plugin_that_loads_lets_the_window_start(tmp_path: Path):
    # A library that loads: through a link to one loaded already, the loader hands back the same one.
    plugins = plugins_with(tmp_path, link=Path(QtCore.__file__))
    assert window_problem(plugins, [], {"DISPLAY": ":0"}, system="linux") is None


@linux_only
def test_a_plugin_that_is_no_library_is_named(tmp_path: Path):
    plugins = plugins_with(tmp_path, text="A text file, not a shared object (longer than an ELF header).\n" * 2)
    problem = window_problem(plugins, [], {"DISPLAY": ":0"}, system="linux")
    plugin = plugins / "platforms" / "libqxcb.so"
    assert problem == f"cannot open the window: Qt's xcb platform plugin does not load ({plugin}: invalid ELF header); {INSTEAD}"


@linux_only
def test_a_library_the_plugin_needs_is_named(tmp_path: Path):
    # The real xcb plugin, away from the Qt libraries its RUNPATH ($ORIGIN/../../lib) finds.
    real = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms" / "libqxcb.so"
    if not real.is_file():
        pytest.skip(f"this PySide6 has no xcb plugin at {real}")
    plugins = plugins_with(tmp_path, copy=real)
    problem = window_problem(plugins, [], {"DISPLAY": ":0"}, system="linux")
    assert problem is not None
    assert problem.startswith("cannot open the window: Qt's xcb platform plugin needs libQt6XcbQpa.so.6, ")
    assert "not found on this system (" in problem
    assert "reinstall PySide6: python3 -m pip install --force-reinstall PySide6-Essentials" in problem
    assert problem.endswith(INSTEAD)


@linux_only
def test_explicit_plugin_paths_are_not_second_guessed(tmp_path: Path):
    plugins = plugins_with(tmp_path, text="not a shared object\n")
    environ = {"DISPLAY": ":0", "QT_PLUGIN_PATH": str(tmp_path / "elsewhere")}
    assert window_problem(plugins, [], environ, system="linux") is None


def test_missing_libraries_are_named_with_the_packages_to_install():
    missing = ["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libglib-2.0.so.0", "libgthread-2.0.so.0"]
    assert describe_missing("Qt's xcb platform plugin", missing) == (
        "Qt's xcb platform plugin needs libxcb-cursor.so.0, libxcb-icccm.so.4, libglib-2.0.so.0, "
        "libgthread-2.0.so.0, not found on this system (on Debian/Ubuntu: sudo apt install libxcb-cursor0 "
        "libxcb-icccm4 libglib2.0-0; README.md lists what the window needs)")
    assert describe_missing("Qt's xcb platform plugin", ["libfoo.so.3"]) == (
        "Qt's xcb platform plugin needs libfoo.so.3, not found on this system (install the packages that "
        "provide them; README.md lists what the window needs)")


def test_qt_messages_are_held_back_while_it_starts_and_then_shown(qtlog):
    out = io.StringIO()
    with fatal_as_one_line(out):
        qWarning("held back")
        assert out.getvalue() == ""
    assert out.getvalue() == "held back\n"
    assert not qtlog.records, "pytest-qt's own handler was not given back"


def readme_packages() -> set[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(r"`sudo apt install ([^`]+)`", readme)
    assert found, "README.md has no `sudo apt install ...` line"
    return set(found.group(1).split())


def ci_packages() -> set[str]:
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    found = re.search(r"^window_packages=\(([^)]*)\)", script, re.MULTILINE)
    assert found, ".ci/run has no window_packages=(...) list"
    return set(found.group(1).split())


def test_the_readme_and_ci_install_what_the_window_needs():
    assert readme_packages() == ci_packages()
    # Every library the xcb window links; the Wayland ones only matter in a Wayland session.
    assert readme_packages() == set(DEBIAN_PACKAGES.values()) - WAYLAND_PACKAGES


def test_the_readme_keeps_its_two_set_up_commands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```")[1]
    assert first_block.splitlines()[1:] == ['python3 -m pip install . && gdexplorer',
                                            'python3 -m pip install -e ".[test]" && python3 -m pytest -q']
