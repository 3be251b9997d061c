"""The core is a Qt-free zone: importing it and running a search never loads PySide6."""

import subprocess
import sys

from tests.conftest import REPO


def test_core_does_not_import_qt(tmp_path):
    code = (
        "import sys\n"
        "from gdexplorer.explorer import Explorer\n"
        "from gdexplorer import cli, corpus, annotations, mentions, index, query, paths\n"
        "ex = Explorer(paths.seeds_dir())\n"
        "ex.update_index()\n"
        "assert ex.search('hydrogen').total == 2\n"
        "print(sorted(m for m in sys.modules if m.startswith('PySide6')))\n"
    )
    env = {"GDEXPLORER_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
