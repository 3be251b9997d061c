"""gdexplorer: a desktop explorer for news corpora with curated, sourced entities.

This package's top level is a Qt-free zone: only ``gdexplorer.gui`` imports PySide6.
"""

__version__ = "0.1.0"
