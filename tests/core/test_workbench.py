"""The workbench: stars, tags, notes and saved searches in annotations/workbench.yaml, and the
tag:/starred:/note: query fields, on a real copy of the seeds with a real index."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from gdexplorer.errors import AnnotationError, CorpusError, QueryError, Severity
from gdexplorer.explorer import Explorer

A1 = "articles/0001.txt"
A2 = "articles/0002.txt"

HAND_WRITTEN = """\
# Our shared workbench -- reviewed in git.
articles:
  # the Guangdong piece
  articles/0001.txt:
    tags: [ev]   # keep
    note: |
      First line.
      # not a comment: part of the note

  articles/0002.txt:
    starred: yes
searches:
  hydrogen:
    query: hydrogen
    seen: []
# trailing comment
"""


@pytest.fixture
def explorer(seeds: Path) -> Explorer:
    e = Explorer(seeds)
    e.update_index()
    return e


def totals(explorer: Explorer, *queries: str) -> list[int]:
    return [explorer.search(q, time_limited=False).total for q in queries]


def test_marks_round_trip_and_queries(explorer: Explorer) -> None:
    explorer.tag(A1, "ev", "Big money")
    explorer.tag(A2, "ev")
    explorer.star(A2)
    explorer.set_note(A2, "Ask GDToday\nwho the source is")
    assert explorer.marks(A1).tags == ("ev", "Big money")
    assert explorer.marks(A2).starred and explorer.marks(A2).note == "Ask GDToday\nwho the source is"
    assert totals(explorer, "tag:ev", 'tag:"big money"', "starred:yes", "starred:no", "note:gdtoday",
                  'note:"gdtoday who"', "tag:ev NOT starred:yes", "tag:none", "tag:ev OR starred:yes",
                  "hydrogen tag:ev", '"tag:ev"') == [2, 1, 1, 1, 1, 1, 1, 0, 2, 2, 0]
    # A filter clause too (a facet choice), and the result is the same without any re-indexing.
    assert explorer.search("", filters=("tag:big money",)).total == 0  # two words: quote them
    assert explorer.search("", filters=('tag:"big money"',)).total == 1
    # A second explorer (another process, after a restart) reads the same file.
    again = Explorer(explorer.corpus_root)
    assert again.marks(A1).tags == ("ev", "Big money") and again.marks(A2).starred
    explorer.untag(A1, "EV", "big money")
    explorer.star(A2, starred=False)
    assert totals(explorer, "tag:ev", "starred:yes") == [1, 0]
    assert explorer.tag_counts() == {"ev": 1}


def test_unknown_fields_and_values_are_one_sentence(explorer: Explorer) -> None:
    with pytest.raises(QueryError, match="starred: takes yes or no"):
        explorer.search("starred:maybe")
    with pytest.raises(QueryError, match=r"unknown field 'tags:'.*tag:, starred:, note:"):
        explorer.search("tags:ev")


def test_edit_keeps_the_rest_of_the_file_byte_for_byte(explorer: Explorer) -> None:
    path = explorer.workbench_file
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    explorer.reload_annotations()
    assert explorer.marks(A1).note == "First line.\n# not a comment: part of the note"
    explorer.star(A2, starred=False)  # its entry goes: nothing left on it
    explorer.tag(A1, "funding")
    text = path.read_text(encoding="utf-8")
    before, after = HAND_WRITTEN.splitlines(), text.splitlines()
    changed = [line for line in before if line not in after]
    added = [line for line in after if line not in before]
    assert changed == ["    tags: [ev]   # keep", "  articles/0002.txt:", "    starred: yes"]
    assert added == ["    tags: [ev, funding]"]
    assert text.startswith("# Our shared workbench -- reviewed in git.\narticles:\n  # the Guangdong piece\n")
    assert text.endswith("searches:\n  hydrogen:\n    query: hydrogen\n    seen: []\n# trailing comment\n")
    # Undo goes through the same path as facts: the file is put back exactly.
    explorer.undo()
    explorer.undo()
    assert path.read_text(encoding="utf-8") == HAND_WRITTEN


def test_new_file_is_created_and_undone(explorer: Explorer) -> None:
    assert not explorer.workbench_file.exists()
    explorer.star(A1)
    assert explorer.workbench_file.read_text(encoding="utf-8").endswith(
        "articles:\n  articles/0001.txt:\n    starred: true\n")
    assert explorer.can_undo()
    explorer.undo()
    assert not explorer.workbench_file.exists() and not explorer.marks(A1).starred


def test_a_mark_on_a_missing_article_is_refused(explorer: Explorer) -> None:
    with pytest.raises(CorpusError, match=r"no article 'articles/9999\.txt'"):
        explorer.tag("articles/9999.txt", "x")
    assert not explorer.workbench_file.exists()


def _tag_many(root: str, prefix: str, n: int) -> None:
    e = Explorer(root)
    for i in range(n):
        e.tag(A1, f"{prefix}{i}")


def test_two_processes_tagging_at_once_lose_nothing(explorer: Explorer) -> None:
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_tag_many, args=(str(explorer.corpus_root), p, 15)) for p in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    explorer.reload_annotations()
    assert set(explorer.marks(A1).tags) == {f"{p}{i}" for p in "ab" for i in range(15)}


@pytest.mark.parametrize(("text", "line", "column", "message"), [
    ("articles:\n  articles/0001.txt:\n    tags: [ev\n", 4, 1, "invalid YAML"),
    ("articles:\n\tarticles/0001.txt: {}\n", 2, 1, "a tab character"),
    ("articles:\n  articles/0001.txt:\n    starred: maybe\n", 3, 14, "'starred' must be true or false"),
    ("articles:\n  articles/0001.txt:\n    colour: red\n", 3, 13, "unknown key 'colour'"),
    ("searches:\n  x:\n    sort: up\n    query: a\n", 3, 11, "'sort' is one of relevance, newest, oldest"),
    ("stars: []\n", 1, 8, "unknown key 'stars'"),
])
def test_bad_files_say_where(explorer: Explorer, text: str, line: int, column: int, message: str) -> None:
    explorer.workbench_file.write_text(text, encoding="utf-8")
    explorer.reload_annotations()
    found = [p for p in explorer.problems() if p.path.endswith("workbench.yaml")]
    assert [(p.line, p.column) for p in found] == [(line, column)]
    assert message in found[0].message and found[0].severity is Severity.ERROR
    # The entities are still all there: a bad workbench spoils nothing else.
    assert explorer.annotation_counts().entities > 0
    # An edit of a file that does not parse is refused, and the file is left as it was.
    if "YAML" in message or "tab" in message:
        with pytest.raises(AnnotationError, match="does not parse"):
            explorer.star(A2)
        assert explorer.workbench_file.read_text(encoding="utf-8") == text


def test_unknown_article_is_a_warning_line(explorer: Explorer) -> None:
    explorer.workbench_file.write_text("articles:\n  articles/9999.txt:\n    starred: true\n", encoding="utf-8")
    explorer.reload_annotations()
    (problem,) = explorer.problems()
    assert str(problem) == "annotations/workbench.yaml:3:5: warning: no article 'articles/9999.txt' in the corpus"


def test_saved_search_counts_new_matches(explorer: Explorer) -> None:
    explorer.tag(A1, "ev")
    explorer.save_search("EV watch", "tag:ev", sort="newest")
    (saved,) = explorer.saved_searches()
    assert saved.seen == frozenset({A1}) and saved.sort == "newest" and saved.opened
    assert explorer.new_matches("EV watch") == ()
    explorer.tag(A2, "ev")
    assert explorer.new_matches("EV watch") == (A2,)
    run = explorer.run_saved_search("EV watch")
    assert run.new == (A2,) and run.result.total == 2
    assert [h.path for h in run.result.hits] == [A2, A1]  # newest first, as saved
    # Opened: what it matches now counts as seen.
    assert explorer.new_matches("EV watch") == ()
    explorer.delete_search("EV watch")
    assert explorer.saved_searches() == []
    with pytest.raises(QueryError, match="no saved search called 'EV watch'"):
        explorer.run_saved_search("EV watch")


def test_exports_carry_marks(explorer: Explorer) -> None:
    explorer.tag(A2, "ev", "follow up")
    explorer.star(A2)
    explorer.set_note(A2, "Call them")
    csv = explorer.results_csv(explorer.search("tag:ev"))
    header, row = csv.splitlines()[:2]
    assert header.endswith(",starred,tags,note")
    assert row.endswith(",yes,ev follow up,Call them")
    assert '"tags": "ev follow up"' in explorer.results_json(explorer.search("tag:ev"))


def test_workbench_file_is_not_an_entity_file(explorer: Explorer) -> None:
    explorer.tag(A1, "ev")
    counts = explorer.annotation_counts()
    assert counts.files == 6  # the seeds' six entity files, not the workbench
    assert explorer.problems() == []


def test_workbench_counts_for_the_refine_panel(explorer: Explorer) -> None:
    assert explorer.workbench_counts("hydrogen").tags == ()
    explorer.tag(A1, "ev", "funding")
    explorer.tag(A2, "ev")
    explorer.star(A2)
    counts = explorer.workbench_counts("hydrogen")
    assert counts.starred == 1 and counts.tags == (("ev", 2), ("funding", 1))
    narrowed = explorer.workbench_counts("", filters=("starred:yes",))
    assert narrowed.starred == 1 and narrowed.tags == (("ev", 1),)
