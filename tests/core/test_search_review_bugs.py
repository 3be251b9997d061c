"""The bugs found in review (issue 15), each on a real index built for the test."""

from __future__ import annotations

from pathlib import Path

import pytest

from gdexplorer.explorer import Explorer

ARTICLES = {
    "a.txt": ("Solar farm opens", "A solar farm opened in the hills.", "2010-03-01"),
    "b.txt": ("Solar prices fall", "Panel prices fell again this year.", "2016-11-02"),
    "c.txt": ("Solar roofs, undated", "Roof panels everywhere: a solar story with no date.", None),
    "d.txt": ("Wind and solar", "Wind turbines beside solar panels.", "2013-06-15"),
}


def write_corpus(root: Path, articles: dict[str, tuple[str, str, str | None]]) -> Path:
    lines = []
    for name, (title, body, date) in articles.items():
        path = root / "articles" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{title}\n\n{body}\n", encoding="utf-8")
        when = f'"{date}"' if date else "null"
        lines.append(f'{{"file": "articles/{name}", "title": "{title}", "date": {when}}}')
    (root / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


@pytest.fixture
def dated(tmp_path: Path) -> Explorer:
    ex = Explorer(write_corpus(tmp_path / "dated", ARTICLES))
    ex.update_index()
    return ex


# -- entity: with a group's parenthesis or a boost ---------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("(entity:ehang OR entity:tcl)", {"articles/0001.txt", "articles/0002.txt"}),
        ("entity:tcl^2", {"articles/0001.txt"}),
        ("(entity:tcl)^2", {"articles/0001.txt"}),
        ("(entity:TCL^2)", {"articles/0001.txt"}),
        ("entity:tcl^2 OR entity:ehang", {"articles/0001.txt", "articles/0002.txt"}),
        ('entity:"TCL Technology Group Corp."^1.5 OR entity:ehang', {"articles/0001.txt", "articles/0002.txt"}),
    ],
)
def test_entity_filters_read_groups_and_boosts_as_query_syntax(seeds, query, expected):
    ex = Explorer(seeds)
    ex.update_index()
    assert {h.path for h in ex.search(query).hits} == expected


# -- sorting by date ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "solar",  # ranked from the posting lists
        "solar OR date:[2009 TO 2020]",  # a date range: ranked by Whoosh's own searcher
    ],
)
def test_undated_articles_come_last_in_both_date_orders(dated, query):
    newest = [h.path for h in dated.search(query, sort="newest").hits]
    oldest = [h.path for h in dated.search(query, sort="oldest").hits]
    assert newest == ["articles/b.txt", "articles/d.txt", "articles/a.txt", "articles/c.txt"]
    assert oldest == ["articles/a.txt", "articles/d.txt", "articles/b.txt", "articles/c.txt"]


def test_undated_articles_come_last_while_typing(dated):
    typed = dated.search("sol", sort="newest", keystroke=True)
    assert [h.path for h in typed.hits][-1] == "articles/c.txt"
