"""Copies of an article in `gdexplorer search`: one hit that names them, as text and as JSON."""

from __future__ import annotations

import json

from gdexplorer.cli import Exit, main
from tests.core.test_search_review_bugs import COPIES, add_copies


def test_search_text_names_the_copies_of_a_hit(capsys, seeds):
    add_copies(seeds)
    code = main(["search", "guangdong", "--corpus", str(seeds)])
    out = capsys.readouterr().out
    assert code == Exit.OK
    assert out.startswith("3 results for 'guangdong' in ")
    assert out.splitlines()[0].endswith(" ms (3 duplicates folded into their hits)")
    notes = [line.strip() for line in out.splitlines() if "cop" in line and line.strip().startswith("articles/")]
    [note] = notes
    kept = note.split()[0]
    others = sorted({"articles/0001.txt", *COPIES} - {kept})
    assert note == f"{kept}  (+3 copies: {', '.join(others)})"


def test_search_json_lists_copies_and_how_many_were_folded(capsys, seeds):
    add_copies(seeds)
    code = main(["search", "guangdong", "--json", "--corpus", str(seeds)])
    data = json.loads(capsys.readouterr().out)
    assert code == Exit.OK
    assert (data["total"], data["collapsed"]) == (3, 3)
    copies = {hit["path"]: hit["copies"] for hit in data["hits"]}
    assert copies["articles/0002.txt"] == [] and copies["articles/edited.txt"] == []
    [(kept, others)] = [(p, c) for p, c in copies.items() if c]
    assert {kept, *others} == {"articles/0001.txt", *COPIES}
