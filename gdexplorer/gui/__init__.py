"""The desktop window: the only part of gdexplorer that imports Qt (PySide6).

Everything here is presentation over ``gdexplorer.explorer.Explorer``; anything a CLI user would
also need belongs in the core instead.
"""
