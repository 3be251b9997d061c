"""Real corpora for tests: their article texts as the reader splits them, and slices of them."""

import json
import shutil
from pathlib import Path

from tests.conftest import corpus_path


def article_texts(root: Path) -> dict[str, tuple[str, str]]:
    """(headline, body) of every article file, as the corpus reader splits them."""
    texts = {}
    for path in sorted((root / "articles").rglob("*.txt")):
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n").replace("\r", "\n")
        headline, _, body = text.lstrip("\n").partition("\n")
        texts[path.relative_to(root).as_posix()] = (headline, body)
    return texts



def slice_of(name: str, count: int, target: Path) -> Path:
    """The first ``count`` articles of a real corpus (manifest order), copied to ``target``."""
    source = corpus_path(name)
    lines = (source / "manifest.jsonl").read_text(encoding="utf-8").splitlines()[:count]
    for line in lines:
        file = json.loads(line)["file"]
        (target / file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / file, target / file)
    (target / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target
