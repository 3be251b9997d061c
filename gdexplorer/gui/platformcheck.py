"""Whether the window can open here, asked before Qt is: Qt aborts the whole process when it cannot.

Without a display, or without a system library that Qt's xcb plugin links, ``QApplication()``
prints a screenful of text (blaming ``libxcb-cursor0`` whatever is really missing) and dumps core.
``window_problem`` says why in one line instead, cheaply enough to run on every start: it reads
the environment and loads the platform plugin that Qt would load a moment later anyway.
``fatal_as_one_line`` covers what it cannot foresee, such as a display that does not answer.

A Qt-free zone at import, like qutebrowser's ``utils/log.py``: the checks must work, and be
testable, before anything of Qt is set up.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TextIO

# The Debian/Ubuntu package of each system library that the wheel's Qt links for the window: `ldd`
# on PySide6's libqxcb.so, libqwayland.so and Qt libraries, then `dpkg -S` on Debian 12. README.md's
# package line names the same packages (tests/gui/test_platformcheck.py holds them to it).
DEBIAN_PACKAGES: Mapping[str, str] = {
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libdbus-1.so.3": "libdbus-1-3",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    # Only for a Wayland session; X11 (and XWayland) need none of these.
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
}

INSTEAD = "the subcommands need no window, e.g. `gdexplorer search hydrogen` (see `gdexplorer --help`)"

# Why one platform cannot be used, and whether there was a display for it (a plugin that fails
# to load where there is a display says more than "no display"). A plain tuple: this module is
# imported on every start, and defining a frozen dataclass takes about 0.7 ms.
_Attempt = tuple[str, bool]


def window_problem(plugins_dir: Path | None, argv: Sequence[str] = (), environ: Mapping[str, str] = os.environ,
                   system: str = sys.platform) -> str | None:
    """One line saying why Qt cannot open a window here, or None if it probably can.

    Follows Qt's own choice: ``-platform NAME`` in ``argv``, else ``QT_QPA_PLATFORM``, else
    Wayland (in a Wayland session) then xcb. Only xcb and Wayland are checked; any other platform
    (offscreen, minimal, vnc...) is trusted. ``plugins_dir`` is Qt's plugin folder
    (``QLibraryInfo.path(PluginsPath)``); None skips loading the plugin.
    """
    if not system.startswith("linux"):
        return None  # Windows and macOS have their one platform, always there
    by_argv = _argv_platform(argv)
    requested = by_argv or environ.get("QT_QPA_PLATFORM") or None
    if plugins_dir is not None and ("QT_PLUGIN_PATH" in environ or "QT_QPA_PLATFORM_PLUGIN_PATH" in environ):
        plugins_dir = None  # Qt may load another copy of the plugin than ours: not ours to judge
    attempts: list[_Attempt] = []
    for name in _platform_names(requested or _default_platforms(environ)):
        attempt = _try_platform(name, plugins_dir, environ)
        if attempt is None:
            return None
        attempts.append(attempt)
    if not attempts:
        return None
    failed = [why for why, had_display in attempts if had_display]
    if failed:
        reason = failed[0]
    elif requested:
        reason = attempts[0][0]
    else:
        reason = "there is no display to show it on (neither DISPLAY nor WAYLAND_DISPLAY is set)"
    asked = f" (as {'-platform' if by_argv else 'QT_QPA_PLATFORM'} asks, on {requested!r})" if requested else ""
    return f"cannot open the window{asked}: {reason}; {INSTEAD}"


def plugin_load_problem(plugin: Path, name: str = "xcb") -> str | None:
    """Why the platform plugin file ``plugin`` does not load, naming what to install; None if it loads.

    Loading it is the one sure test that every library it needs resolves. Qt loads the same file
    right after, so when it works nothing is loaded twice.
    """
    try:
        _load_library(os.fspath(plugin))
    except OSError as e:
        return _describe_load_error(plugin, name, str(e))
    return None


def debian_packages(libraries: Sequence[str]) -> list[str]:
    """The Debian/Ubuntu packages of those ``libraries`` we know, in order, without repeats."""
    packages: list[str] = []
    for library in libraries:
        package = DEBIAN_PACKAGES.get(library)
        if package is not None and package not in packages:
            packages.append(package)
    return packages


def describe_missing(what: str, missing: Sequence[str]) -> str:
    """One line: ``what`` needs the ``missing`` libraries, and which packages provide them."""
    packages = debian_packages(missing)
    unknown = [lib for lib in missing if lib not in DEBIAN_PACKAGES]
    advice = []
    if packages:
        advice.append(f"on Debian/Ubuntu: sudo apt install {' '.join(packages)}")
    if any(lib.startswith("libQt6") for lib in unknown):
        advice.append("reinstall PySide6: python3 -m pip install --force-reinstall PySide6-Essentials")
    elif unknown:
        advice.append("install the packages that provide them")
    advice.append("README.md lists what the window needs")
    return f"{what} needs {', '.join(missing)}, not found on this system ({'; '.join(advice)})"


@contextlib.contextmanager
def fatal_as_one_line(stream: TextIO | None = None) -> Iterator[None]:
    """While Qt starts its platform: if it gives up, say why in one line and exit 1 instead of aborting.

    Qt's messages meanwhile are held back; when all goes well they are printed as Qt would have.
    Imports Qt when entered, not when this module is imported.
    """
    from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

    held: list[tuple[str, str]] = []

    def on_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if kind != QtMsgType.QtFatalMsg:
            held.append((context.category or "", message))
            return
        # Qt's first message names the cause ("could not connect to display :1"); the fatal one
        # suggests reinstalling the application, which never helps.
        cause = _first_line(held[0][1] if held else message)
        out = stream if stream is not None else sys.stderr
        print(f"gdexplorer: cannot open the window: Qt says {cause!r}; {INSTEAD}", file=out, flush=True)
        os._exit(1)  # from inside QApplication(): nothing can unwind it, and Qt would abort()

    previous = qInstallMessageHandler(on_message)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)
        out = stream if stream is not None else sys.stderr
        for category, message in held:  # as Qt's default handler writes them
            print(f"{category}: {message}" if category and category != "default" else message, file=out)


def _load_library(path: str) -> None:
    try:
        # What ctypes.CDLL calls (it adds RTLD_NOW: every symbol resolved now, as a test should).
        # Importing ctypes itself would add 1.6 ms to every start on a display.
        from _ctypes import dlopen
    except ImportError:
        import ctypes

        ctypes.CDLL(path)
    else:
        dlopen(path, os.RTLD_LOCAL)


def _try_platform(name: str, plugins_dir: Path | None, environ: Mapping[str, str]) -> _Attempt | None:
    if name == "xcb":
        if not environ.get("DISPLAY"):
            return "there is no X display (DISPLAY is not set)", False
    elif name.startswith("wayland"):
        runtime = environ.get("XDG_RUNTIME_DIR")
        # libwayland-client connects to $WAYLAND_DISPLAY, else to "wayland-0" in the runtime folder.
        if not (environ.get("WAYLAND_DISPLAY") or environ.get("WAYLAND_SOCKET")
                or (runtime and Path(runtime, "wayland-0").exists())):
            return "there is no Wayland display (WAYLAND_DISPLAY is not set)", False
    else:
        return None  # offscreen, minimal, vnc, eglfs...: no display to look for
    plugin = _plugin_file(plugins_dir, name) if plugins_dir is not None else None
    if plugin is None:
        return None  # Qt will say it cannot find it, and fatal_as_one_line passes that on
    problem = plugin_load_problem(plugin, name)
    return None if problem is None else (problem, True)


def _plugin_file(plugins_dir: Path, name: str) -> Path | None:
    folder = plugins_dir / "platforms"
    # Qt 6 builds the Wayland variants (wayland-egl, wayland-brcm) into libqwayland.so.
    candidates = [folder / f"libq{name}.so"]
    if name.startswith("wayland"):
        candidates.append(folder / "libqwayland.so")
    return next((c for c in candidates if c.is_file()), None)


def _describe_load_error(plugin: Path, name: str, error: str) -> str:
    missing = _missing_libraries(plugin, error)
    if not missing:
        return f"Qt's {name} platform plugin does not load ({_first_line(error)})"
    return describe_missing(f"Qt's {name} platform plugin", missing)


def _missing_libraries(plugin: Path, error: str) -> list[str]:
    # The loader stops at the first missing library; ldd lists them all, so that one install fixes
    # everything. It runs only when loading failed, so its cost is no concern.
    first = error.split(":", 1)[0].strip() if "cannot open shared object file" in error else ""
    missing = [first] if first else []
    import subprocess  # here, not at the top: only a failed start pays for it

    try:
        out = subprocess.run(["ldd", os.fspath(plugin)], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return missing
    for line in out.splitlines():
        library, arrow, where = line.strip().partition(" => ")
        if arrow and where.strip() == "not found" and library not in missing:
            missing.append(library)
    return missing


def _argv_platform(argv: Sequence[str]) -> str | None:
    # Qt reads "-platform NAME" or "--platform NAME" (not "-platform=NAME"); the last one wins.
    found = None
    for i in range(1, len(argv) - 1):  # argv[0] is the program
        if argv[i] in ("-platform", "--platform"):
            found = argv[i + 1]
    return found


def _default_platforms(environ: Mapping[str, str]) -> str:
    # As Qt 6 does (tried on 6.11): Wayland first in a Wayland session, falling back to X11 (XWayland).
    if environ.get("WAYLAND_DISPLAY") or environ.get("XDG_SESSION_TYPE") == "wayland":
        return "wayland;xcb"
    return "xcb"


def _platform_names(spec: str) -> list[str]:
    # "wayland;xcb" is a list to try in order; "xcb:option=value" carries options after the name.
    return [part.split(":", 1)[0].strip().lower() for part in spec.split(";") if part.strip()]


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "no reason given"
