"""``python -m gdexplorer`` runs the same entry point as the ``gdexplorer`` script."""

import sys

from gdexplorer.cli import main

sys.exit(main())
