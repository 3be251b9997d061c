"""Workarounds for bugs in the Qt binding, applied once when ``gdexplorer.gui`` is imported.

PySide6 6.12.0 on Python 3.10/3.11 returns ``None`` (from every void method) and ``True``/``False``
(from e.g. ``Signal.emit``) without taking a reference. Each call drops the singleton's refcount by
one, and after some thousands of calls the interpreter aborts with "deallocating None" (6.11.3 is
fine; Python 3.12+ is immune because these objects are immortal there, PEP 683). A GUI makes such
calls on every repaint, so the window would crash within minutes.

The guard probes for the leak and, only where it is present, raises the three refcounts by 2**48,
which is what PEP 683 does for them on newer Pythons: they are static objects never freed anyway.
"""

from __future__ import annotations

import logging
import sys

log = logging.getLogger(__name__)

_MARGIN = 1 << 48
_guarded = False


def singletons_leak() -> bool:
    """True when calling into PySide drops references to None/True/False."""
    if sys.version_info >= (3, 12):
        return False
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        fired = Signal()

    probe = _Probe()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(64):
        probe.setObjectName("probe")
        probe.fired.emit()
    leaked = sys.getrefcount(None) < none_before - 32 or sys.getrefcount(True) < true_before - 32
    probe.deleteLater()
    return leaked


def guard_singleton_refcounts() -> bool:
    """Apply the guard if this binding needs it; True when it was applied (now or before)."""
    global _guarded  # once per process: the probe itself costs a few hundred leaked references
    if _guarded:
        return True
    if not singletons_leak():
        return False
    import ctypes  # here: 3 ms at every start, for a binding that needs the guard

    for singleton in (None, True, False):
        # ob_refcnt is the first field of every object in release builds of CPython < 3.12.
        ctypes.c_ssize_t.from_address(id(singleton)).value += _MARGIN
    _guarded = True
    log.info("guarding None/True/False against the PySide6 %s reference leak", _binding_version())
    return True


def _binding_version() -> str:
    import PySide6

    return PySide6.__version__
