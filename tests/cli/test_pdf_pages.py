"""A hit in a PDF says its page: in the CLI's text and JSON (issue 17). The window's row: tests/gui."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gdexplorer.cli import Exit, main
from tests.core.test_documents import HEADLINE2, PARAS1, PARAS2, write_pdf

pytest.importorskip("reportlab", reason="reportlab writes the test PDFs")

# A seeds article over three pages, as a desk prints it.
PAGES = [PARAS2[:2], PARAS2[2:4], PARAS2[4:]]


def word_only_on(page: int) -> str:
    """A word of the page's text whose start no other page (nor the headline) has: its hits are on that page."""
    elsewhere = " ".join([HEADLINE2, *(p for n, paras in enumerate(PAGES) if n != page for p in paras)]).lower()
    for word in re.findall(r"[A-Za-z]{7,}", " ".join(PAGES[page])):
        if word[:5].lower() not in elsewhere:
            return word
    raise AssertionError(f"no word only on page {page + 1}")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "desk"
    root.mkdir()
    write_pdf(root / "report.pdf", PAGES, title=HEADLINE2)
    (root / "note.txt").write_text(f"Desk note\n\n{PARAS1[0]}\n\n{' '.join(PAGES[2])}\n", encoding="utf-8")
    return root


def search(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["search", *argv]) == Exit.OK
    return capsys.readouterr().out


@pytest.mark.parametrize("page", [1, 2])
def test_a_pdf_hit_says_its_page(capsys: pytest.CaptureFixture[str], folder: Path, page: int) -> None:
    word = word_only_on(page)
    hits = {h["path"]: h for h in json.loads(search(capsys, word, "--json", "--corpus", str(folder)))["hits"]}
    assert hits["report.pdf"]["page"] == page + 1, (word, hits["report.pdf"])
    assert word.lower() in hits["report.pdf"]["snippet"].lower()
    text = search(capsys, word, "--corpus", str(folder))
    assert re.search(rf"{re.escape(HEADLINE2[:30])}.*\(.*page {page + 1}\)", text), text


def test_only_paged_documents_have_a_page(capsys: pytest.CaptureFixture[str], folder: Path) -> None:
    word = word_only_on(2)
    hits = {h["path"]: h for h in json.loads(search(capsys, word, "--json", "--corpus", str(folder)))["hits"]}
    assert set(hits) == {"report.pdf", "note.txt"}
    assert "page" not in hits["note.txt"] and hits["report.pdf"]["page"] == 3


def test_a_pdf_hit_says_its_page_from_the_shared_index_too(capsys: pytest.CaptureFixture[str], folder: Path,
                                                           pg_url: str) -> None:
    pytest.importorskip("psycopg", reason="the server backend needs psycopg")
    assert main(["index", "--corpus", str(folder), "--server", pg_url]) == Exit.OK
    capsys.readouterr()
    for page in (1, 2):
        word = word_only_on(page)
        out = search(capsys, word, "--json", "--corpus", str(folder), "--server", pg_url)
        hits = {h["path"]: h for h in json.loads(out)["hits"]}
        assert hits["report.pdf"]["page"] == page + 1, (word, hits["report.pdf"])
