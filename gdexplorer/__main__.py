"""``python -m gdexplorer`` runs the same entry point as the ``gdexplorer`` script."""

import sys

from gdexplorer.cli import main

# Guarded, as a main module must be where processes are started with "spawn" (the server fill's workers).
if __name__ == "__main__":
    sys.exit(main())
