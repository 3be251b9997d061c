"""Bad annotation files beside the seeds' own: each is reported at its place, the seeds' 66 entities
still load, search and mentions still work, and no file is changed.

The well-formed-but-bad cases are written together into one copy of the seeds and loaded once
(loading the seeds' YAML is the slow part); each case still gets its own test and exact messages.
Cases that crash the loader get their own copy, so that one crash does not hide the others.
"""

from __future__ import annotations

import errno
import pathlib
import shutil
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import pytest

from gdexplorer.annotations.loading import load_annotations
from gdexplorer.cli import Exit, main
from gdexplorer.corpus.reading import Corpus
from gdexplorer.explorer import Explorer
from gdexplorer.model import IndexStats
from tests.conftest import SEEDS
from tests.faults.helpers import snapshot

SEED_ENTITIES = 66
TYPES = "person, organization, place, technology, product, event"
NOT_ALLOWED = "is not allowed: annotations are plain text, lists and mappings"


def entity(eid: str, name: str, extra: str = "") -> str:
    return f"entities:\n  - id: {eid}\n    type: place\n    name: {name}\n{extra}"


def bomb(levels: int, fan: int) -> str:
    """The classic "billion laughs": each level lists ``fan`` aliases of the level below."""
    lines = ["a0: &a0 [" + ", ".join(['"lol"'] * fan) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * fan) + "]")
    lines.append(f"entities: *a{levels - 1}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Case:
    name: str
    content: str | bytes
    problems: tuple[str, ...]  # every problem reported for this file, in order, without the path
    new_ids: tuple[str, ...] = ()  # entities of this file that still load


CASES = [
    Case("tab", "entities:\n\t- id: tab\n", ("2:1: error: a tab character: YAML indents with spaces only",)),
    Case("unclosed-quote", 'entities:\n  - id: "unclosed\n    type: place\n    name: Unclosed\n',
         ("2:9: error: unclosed quote: the text that starts here never ends",)),
    Case("bad-indentation", "entities:\n  - id: indent\n   type: place\n",
         ("3:4: error: bad indentation: this line does not line up with the lines above it",)),
    Case("duplicate-key", entity("dup-key", "Dup Key A", "    name: Dup Key B\n"),
         ("5:5: error: duplicate key 'name' in an entity (first at line 4); only one is allowed",), ("dup-key",)),
    Case("list-for-name", entity("list-name", "[Listed A, Listed B]"),
         ("4:11: error: 'name' of an entity must be text, not a list",)),
    Case("list-for-type", "entities:\n  - id: list-type\n    type: [place]\n    name: Listed Type\n",
         ("3:11: error: 'type' of an entity must be text, not a list",)),
    Case("mapping-for-id", "entities:\n  - id: {a: 1}\n    type: place\n    name: Mapped Id\n",
         ("2:9: error: 'id' of an entity must be text, not a mapping",)),
    Case("text-for-aliases", entity("text-aliases", "Text Aliases", "    aliases: Just One\n"),
         ("5:14: error: 'aliases' must be a list, not text",), ("text-aliases",)),
    Case("text-for-facts", entity("text-facts", "Text Facts", "    facts: none yet\n"),
         ("5:12: error: 'facts' must be a list, not text",), ("text-facts",)),
    Case("text-for-entities", "entities: hello\n", ("1:11: error: 'entities' must be a list, not text",)),
    Case("unknown-type", "entities:\n  - id: mars\n    type: planet\n    name: Mars\n",
         (f"3:11: error: unknown entity type 'planet'; expected one of: {TYPES}",)),
    Case("missing-id", "entities:\n  - type: place\n    name: No Id\n", ("2:5: error: an entity is missing 'id'",)),
    Case("missing-name", "entities:\n  - id: no-name\n    type: place\n", ("2:5: error: an entity is missing 'name'",)),
    # Ids are first-come in path order: this file sorts after organizations.yaml, so it is the duplicate.
    Case("zz-duplicate-id", entity("ehang", "Second EHang"),
         ("2:9: error: duplicate id 'ehang' (first defined at annotations/organizations.yaml:229)",)),
    Case("relation-to-unknown-id",
         entity("lonely", "Lonely Place", "    relations:\n      - predicate: near\n        object: nowhere\n"
                "        article: articles/0001.txt\n        quote: Canton Tower\n"),
         ("7:17: error: relation 'near' points to unknown id 'nowhere'",), ("lonely",)),
    Case("quote-not-found",
         entity("misquoted", "Misquoted Place", "    facts:\n      - text: t\n        article: articles/0001.txt\n"
                "        quote: words that are not in the article\n"),
         ('6:9: error: quote not found in articles/0001.txt: "words that are not in the article"',), ("misquoted",)),
    Case("missing-article",
         entity("unsourced", "Unsourced Place", "    facts:\n      - text: t\n        article: articles/9999.txt\n"
                "        quote: Canton Tower\n"),
         ("6:9: error: article 'articles/9999.txt' does not exist in the corpus",), ("unsourced",)),
    Case("empty", "", ("warning: the file has no entities (it is empty or only comments)",)),
    Case("only-a-comment", "# entities will come here\n",
         ("warning: the file has no entities (it is empty or only comments)",)),
    Case("non-utf8", b"entities:\n  - id: caf\xe9\n    type: place\n",
         ("2:12: error: not valid UTF-8 (annotation files must be UTF-8)",)),
    Case("bom", ("\ufeff" + entity("with-bom", "With Bom")).encode("utf-8"), (), ("with-bom",)),
    Case("bom-crlf", "\ufeffentities:\r\n  - id: crlf\r\n    type: planet\r\n    name: Crlf\r\n".encode(),
         (f"3:11: error: unknown entity type 'planet'; expected one of: {TYPES}",)),
    Case("python-object", "entities:\n  - !!python/object:os.system {id: x}\n",
         (f"2:5: error: tag !!python/object:os.system {NOT_ALLOWED}",)),
    Case("python-apply", "entities: !!python/object/apply:os.system ['touch {marker}']\n",
         (f"1:11: error: tag !!python/object/apply:os.system {NOT_ALLOWED}",)),
    Case("python-name-as-id", "entities:\n  - id: !!python/name:os.system\n    type: place\n    name: Named\n",
         (f"2:9: error: tag !!python/name:os.system {NOT_ALLOWED}",)),
    Case("two-documents", "entities: []\n---\nentities: []\n",
         ("2:1: error: invalid YAML: expected a single document in the stream; but found another document",)),
    Case("alias-bomb", bomb(10, 9),
         ("9:15: error: more than 64 YAML aliases: refused (this looks like an alias expansion bomb)",)),
]
HUGE = "huge"  # a 50 MB file, written by the fixture rather than held in CASES


@dataclass
class Loaded:
    root: Path
    explorer: Explorer
    stats: IndexStats
    before: dict[str, tuple[object, ...]]
    marker: Path


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    root = tmp_path_factory.mktemp("annotations") / "seeds"
    shutil.copytree(SEEDS, root)
    marker = root.parent / "pwned"
    for case in CASES:
        target = root / "annotations" / f"{case.name}.yaml"
        if isinstance(case.content, bytes):
            target.write_bytes(case.content)
        else:
            target.write_text(case.content.replace("{marker}", str(marker)), encoding="utf-8")
    with (root / "annotations" / f"{HUGE}.yaml").open("wb") as fh:
        fh.write(b"entities:\n")
        fh.write(b"# padding padding padding padding padding padding padding padding padding padding\n"
                 * (50 * 2**20 // 82))
    before = snapshot(root)
    explorer = Explorer(root, cache_dir=tmp_path_factory.mktemp("annotations-cache"))
    stats = explorer.update_index()
    return Loaded(root, explorer, stats, before, marker)


def problems_of(explorer: Explorer, name: str) -> list[str]:
    prefix = f"annotations/{name}.yaml"
    return [str(p).removeprefix(prefix).removeprefix(":").strip() for p in explorer.problems() if p.path == prefix]


@pytest.mark.parametrize(
    "case",
    CASES,
    ids=[c.name for c in CASES],
)
def test_each_bad_file_is_reported_at_its_place(loaded, case):
    assert problems_of(loaded.explorer, case.name) == list(case.problems)
    for eid in case.new_ids:
        assert loaded.explorer.entities_by_id()[eid].where.path == f"annotations/{case.name}.yaml"


def test_a_50_mb_file_is_refused_with_its_size(loaded):
    assert problems_of(loaded.explorer, HUGE) == [
        "error: the file is 50.0 MB, over the 8 MB limit for an annotation file: split it into several files"
    ]


def test_the_seeds_entities_still_load(loaded):
    entities = loaded.explorer.entities_by_id()
    new = {eid for case in CASES for eid in case.new_ids}
    assert len(entities) == SEED_ENTITIES + len(new)
    assert entities["ehang"].name == "EHang"  # the seeds' entity, not the duplicate
    assert entities["ehang"].where.path == "annotations/organizations.yaml"
    assert loaded.explorer.annotation_counts().facts >= 100
    seed_problems = [p for p in loaded.explorer.problems() if p.path.startswith("annotations/") and
                     not any(p.path == f"annotations/{c.name}.yaml" for c in (*CASES, Case(HUGE, "", ())))]
    assert seed_problems == []


def test_search_and_mentions_still_work(loaded):
    ex = loaded.explorer
    assert (loaded.stats.added, loaded.stats.problems) == (2, ())
    assert ex.search("hydrogen").total == 2
    assert [h.path for h in ex.search("entity:ehang").hits] == ["articles/0002.txt"]
    assert [a.id for a in ex.mentions_of("gac-group")] == ["articles/0001.txt"]


def test_a_python_tag_is_never_executed(loaded):
    assert not loaded.marker.exists()


def test_cli_check_lists_them_and_fails(loaded, capsys):
    code = main(["check", "--corpus", str(loaded.root)])
    out, _ = capsys.readouterr()
    assert code == Exit.FAILED
    assert out.splitlines()[:-1] == [str(p) for p in loaded.explorer.problems()]
    new = len({eid for case in CASES for eid in case.new_ids})
    assert out.splitlines()[-1].startswith(f"{len(CASES) + 7} files, {SEED_ENTITIES + new} entities, ")


def test_no_annotation_file_was_changed(loaded, capsys):
    loaded.explorer.search("hydrogen")
    loaded.explorer.check_articles()
    main(["check", "--corpus", str(loaded.root)])
    capsys.readouterr()
    assert snapshot(loaded.root) == loaded.before


# -- files that are refused on sight: time and memory -----------------------------------------------


def only(tmp_path: Path, name: str, content: str | bytes) -> Path:
    folder = tmp_path / "annotations"
    folder.mkdir()
    target = folder / name
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content, encoding="utf-8")
    return folder


def measured_load(folder: Path, corpus: Path):
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = load_annotations(folder, Corpus(corpus), display_base=folder.parent)
    finally:
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result, elapsed, peak


@pytest.mark.parametrize(
    ("content", "aliases"),
    [
        (bomb(10, 9), "over the alias limit"),
        (bomb(8, 8), "56 aliases, 8**8 values if expanded"),
        ("base: &b {type: place, name: Merged}\nm: &m [" + ", ".join(["*b"] * 60) + "]\nentities:\n"
         + "".join(f"  - <<: *b\n    id: merged-{i}\n" for i in range(3)), "merge keys"),
    ],
    ids=["billion-laughs", "under-the-alias-limit", "merge-keys"],
)
def test_alias_bombs_are_refused_in_well_under_a_second_and_little_memory(seeds, content, aliases):
    folder = only(seeds.parent, "bomb.yaml", content)
    result, elapsed, peak = measured_load(folder, seeds)
    assert result.entities == {}
    assert result.problems and all(p.is_error and p.path == "annotations/bomb.yaml" for p in result.problems)
    assert len(result.problems) <= 20
    assert elapsed < 0.5, f"{aliases}: {elapsed:.2f} s"
    assert peak < 8 * 2**20, f"{aliases}: peak {peak / 2**20:.1f} MB"


def test_a_50_mb_file_is_refused_without_reading_it(seeds):
    folder = seeds.parent / "annotations"
    folder.mkdir()
    with (folder / "huge.yaml").open("wb") as fh:
        fh.write(b"entities:\n" + b"  - id: x\n" * (5 * 2**20))  # 50 MB
    result, elapsed, peak = measured_load(folder, seeds)
    assert [str(p) for p in result.problems] == [
        "annotations/huge.yaml: error: the file is 50.0 MB, over the 8 MB limit for an annotation file: "
        "split it into several files"
    ]
    assert elapsed < 0.5
    assert peak < 2**20  # it was not even read


# -- crashes and injected faults, each on its own copy of the seeds ----------------------------------


def explore_with(seeds: Path, name: str, content: str | bytes) -> tuple[Explorer, Path, dict]:
    target = seeds / "annotations" / name
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content, encoding="utf-8")
    before = snapshot(seeds)
    return Explorer(seeds), target, before


def assert_seeds_still_work(explorer: Explorer, seeds: Path, before: dict) -> None:
    assert len(explorer.entities_by_id()) == SEED_ENTITIES
    explorer.update_index()
    assert explorer.search("hydrogen").total == 2
    assert [h.path for h in explorer.search("entity:ehang").hits] == ["articles/0002.txt"]
    assert snapshot(seeds) == before


@pytest.mark.parametrize("content", ["entities: " + "[" * 1000 + "]" * 1000 + "\n",
                                     "entities:\n" + "".join(" " * i + "- \n" for i in range(2, 1002))],
                         ids=["flow", "block"])
def test_deep_nesting_is_refused_not_a_crash(seeds, content):
    explorer, _, before = explore_with(seeds, "deep.yaml", content)
    problems = [p for p in explorer.problems() if p.path == "annotations/deep.yaml"]
    assert len(problems) == 1 and problems[0].is_error and problems[0].line >= 1
    assert "nest" in problems[0].message
    assert_seeds_still_work(explorer, seeds, before)


@pytest.mark.parametrize("char", ["\x00", "\x1b"], ids=["nul", "escape"])
def test_a_control_character_is_reported_with_its_line(seeds, char):
    explorer, _, before = explore_with(seeds, "ctrl.yaml", entity("ctrl", f"Con{char}trol"))
    assert [(p.path, p.line, p.is_error) for p in explorer.problems() if p.path == "annotations/ctrl.yaml"] == [
        ("annotations/ctrl.yaml", 4, True)
    ]
    assert_seeds_still_work(explorer, seeds, before)


def test_an_unreadable_file_is_reported_and_the_rest_loads(seeds, monkeypatch):
    # Root ignores chmod: make the one file unreadable by injecting the error open() would give.
    real = pathlib.Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "locked.yaml":
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)
    explorer, _, before = explore_with(seeds, "locked.yaml", entity("locked", "Locked Place"))
    assert [str(p) for p in explorer.problems()] == ["annotations/locked.yaml: error: cannot read: Permission denied"]
    assert_seeds_still_work(explorer, seeds, before)


def test_a_folder_named_like_a_yaml_file_is_ignored(seeds):
    (seeds / "annotations" / "folder.yaml").mkdir()
    explorer, _, _ = explore_with(seeds, "fine.yaml", entity("fine", "Fine Place"))
    assert explorer.problems() == []
    assert len(explorer.entities_by_id()) == SEED_ENTITIES + 1
