"""The desktop window: the only part of gdexplorer that imports Qt (PySide6).

Everything here is presentation over ``gdexplorer.explorer.Explorer``; anything a CLI user would
also need belongs in the core instead.
"""

from gdexplorer.gui.compat import guard_singleton_refcounts

# Before any widget exists: see compat.py (PySide6 6.12.0 on Python < 3.12 leaks None references).
guard_singleton_refcounts()
