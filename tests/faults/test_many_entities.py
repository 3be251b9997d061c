"""100,000 entities (issue 14): a big legitimate file is no alias bomb, libyaml reads what the Python
loader reads, and a save in a folder of 50 files changes and re-parses only its own file.

Speed is measured in benchmarks/many_entities.py, not here: these tests assert outcomes only.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gdexplorer.annotations.loading import (
    MAX_ALIASED_VALUES,
    Normalized,
    fast_composable,
    load_annotations,
    parse_bytes,
)
from gdexplorer.corpus.reading import Corpus
from gdexplorer.explorer import Explorer
from gdexplorer.model import NewFact
from gdexplorer.search.mentionindex import mention_count
from tests.conftest import SEEDS
from tests.faults.test_annotation_faults import CASES, bomb

_SYLLABLES = [c + v for c in "bdfghklmnprstvz" for v in "aeiou"]  # 75


def _word(n: int) -> str:
    """A made-up word, different for each n."""
    out = ""
    while True:
        n, r = divmod(n, len(_SYLLABLES))
        out += _SYLLABLES[r]
        if n == 0:
            return out.capitalize()
        n -= 1


def seeds_sentences() -> list[tuple[str, str]]:
    """(article id, sentence) for sentences of the seeds' articles, to quote."""
    found = []
    for path in sorted((SEEDS / "articles").glob("*.txt")):
        body = path.read_text(encoding="utf-8").split("\n\n", 1)[1]
        found += [(f"articles/{path.name}", s) for s in re.findall(r"[A-Z][^.\n\"“”]{40,200}\.", body)]
    assert len(found) > 20
    return found


def entity_yaml(i: int, quotes: list[tuple[str, str]]) -> str:
    """Entity i as written by hand: id, type, name; every 7th an alias, every 40th a fact."""
    name = f"{_word(i)} {_word(i * 7 + 3)}"
    block = f"  - id: e{i}-{_word(i).lower()}\n    type: person\n    name: {name}\n"
    if i % 7 == 0:
        block += f"    aliases: [{name.split()[0]} {i}]\n"
    if i % 40 == 0:
        article, sentence = quotes[i % len(quotes)]
        block += (f"    facts:\n      - text: Quoted as entity {i}.\n        article: {article}\n"
                  f"        quote: \"{sentence}\"\n")
    return block


def test_a_6_6_mb_file_of_100k_entities_loads_every_entity_at_its_line(seeds):
    quotes = seeds_sentences()
    folder = seeds / "annotations"
    shutil.rmtree(folder)
    folder.mkdir()
    blocks = [entity_yaml(i, quotes) for i in range(100_000)]
    path = folder / "people.yaml"
    path.write_text("entities:\n" + "".join(blocks), encoding="utf-8")
    assert 6.6e6 <= path.stat().st_size <= 8 * 2**20  # under the size limit: not refused for its size

    result = load_annotations(folder, Corpus(seeds), display_base=seeds)

    assert result.problems == []
    assert len(result.entities) == 100_000
    assert result.facts_count == 2_500
    # Lines and columns are those of the file: entity i starts on the line after the blocks before it.
    line = 2 + sum(block.count("\n") for block in blocks[:99_960])
    last = result.entities[f"e99960-{_word(99_960).lower()}"]
    assert (last.where.path, last.where.line, last.where.column) == ("annotations/people.yaml", line, 5)
    assert last.aliases == (f"{_word(99_960)} 99960",)
    fact = last.facts[0]
    assert fact.where.line == line + 5
    article = (seeds / fact.article).read_text(encoding="utf-8")
    assert fact.span is not None and article[fact.span[0] : fact.span[1]] == fact.quote


def shared_facts(uses: int) -> str:
    """An entity whose 30 facts are anchored, and ``uses`` entities that list the same facts by alias."""
    article, sentence = seeds_sentences()[0]
    facts = "".join(f"      - text: Fact {i}.\n        article: {article}\n        quote: \"{sentence}\"\n"
                    for i in range(30))
    text = f"entities:\n  - id: p0\n    type: place\n    name: Place 0\n    facts: &facts\n{facts}"
    return text + "".join(f"  - id: p{i}\n    type: place\n    name: Place {i}\n    facts: *facts\n"
                          for i in range(1, uses + 1))


def test_aliases_standing_for_fewer_values_than_the_limit_load(seeds):
    # Each alias stands for the list and its 30 facts of 7 values: 211; 47 of them, 9,917 values.
    assert 47 * 211 <= MAX_ALIASED_VALUES < 48 * 211
    folder = seeds / "annotations"
    shutil.rmtree(folder)
    folder.mkdir()
    (folder / "places.yaml").write_text(shared_facts(47), encoding="utf-8")

    result = load_annotations(folder, Corpus(seeds), display_base=seeds)

    assert result.problems == []
    assert len(result.entities) == 48
    assert {len(e.facts) for e in result.entities.values()} == {30}


def test_aliases_standing_for_more_values_than_the_limit_are_refused_at_the_alias_that_crossed_it():
    text = shared_facts(48)
    line = text.splitlines().index("  - id: p48") + 4  # the 48th alias
    raws, problems = parse_bytes(text.encode(), "places.yaml")
    assert raws == []
    assert [str(p) for p in problems] == [
        f"places.yaml:{line}:12: error: aliases standing for more than 10,000 values: refused (this looks like an "
        "alias expansion bomb)"
    ]


def test_an_alias_inside_what_it_names_is_refused():
    raws, problems = parse_bytes(b"entities: &a\n  - *a\n", "loop.yaml")
    assert raws == []
    assert [str(p) for p in problems] == ["loop.yaml:2:5: error: an alias inside the value it names (a loop): refused"]


# -- libyaml reads what the Python loader reads --------------------------------------------------------

_TRICKY = [
    "entities:\n  - {id: \"é😀\", type: place, name: \"x\u2028y\"}\n",
    "entities:\r\n  - id: crlf\r\n    type: place\r\n    name: |\r\n      two\r\n      lines\r\n\r\n",
    "entities:\n  - id: deep\n    type: place\n    name: " + "[" * 60 + "]" * 60 + "\n",
    "entities:\n  - id: deep-in-block\n    type: place\n    name: ok\n    description:\n"
    + "".join("  " * (i + 3) + f"k{i}:\n" for i in range(55)),
    "entities:\n  - id: r&d\n    type: organization\n    name: R&D Centre & Co\n",
    "entities:\n  - id: 0x1F\n    type: place\n    name: 2024-01-01\n    title: ~\n    description: !!str 12\n",
    "\ufeffentities:\n  - id: bom\n    type: place\n    name: Bom\n",
    "entities:\n  - id: x\n    type: place\n    name: Tab\there\n  - id: y\n\ttype: place\n",
    "entities:\n  - id: ctl\n    type: place\n    name: bell \x07\n",
    bomb(3, 3),
]


def _contents() -> list[tuple[str, bytes]]:
    found = [(p.name, p.read_bytes()) for p in sorted((SEEDS / "annotations").glob("*.yaml"))]
    found += [(f"case-{c.name}", c.content if isinstance(c.content, bytes) else c.content.encode()) for c in CASES]
    found += [(f"tricky-{i}", t.encode()) for i, t in enumerate(_TRICKY)]
    return found


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML was built without libyaml: only one loader to compare")
@pytest.mark.parametrize(("name", "data"), _contents(), ids=[n for n, _ in _contents()])
def test_libyaml_gives_the_entities_and_problems_the_python_loader_gives(name, data):
    fast = parse_bytes(data, f"annotations/{name}.yaml", fast=True)
    slow = parse_bytes(data, f"annotations/{name}.yaml", fast=False)
    assert fast == slow


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML was built without libyaml")
def test_the_seeds_and_files_without_anchors_take_libyaml():
    for path in sorted((SEEDS / "annotations").glob("*.yaml")):
        assert fast_composable(path.read_text(encoding="utf-8")), path.name
    assert fast_composable("name: R&D, AT&T & Co\n")
    assert not fast_composable(bomb(2, 2))
    assert not fast_composable("name: &x a\n")
    assert not fast_composable("name: bell \x07\n")


def test_quotes_are_found_at_their_offsets_after_whitespace_is_collapsed():
    rng = random.Random(14)
    for _ in range(2000):
        text = "".join(rng.choice("ab \n\t\u3000\u2028") for _ in range(rng.randrange(60)))
        normalized = Normalized(text)
        expected, offsets, in_space = [], [], False
        for i, ch in enumerate(text):  # the definition, a character at a time
            if not ch.isspace() or not in_space:
                expected.append(" " if ch.isspace() else ch)
                offsets.append(i)
            in_space = ch.isspace()
        assert normalized.text == "".join(expected)
        assert [normalized.offset(i) for i in range(len(normalized.text))] == offsets


# -- a save among 50 files -------------------------------------------------------------------------


def _fifty_files(seeds: Path) -> Path:
    quotes = seeds_sentences()
    folder = seeds / "annotations"
    shutil.rmtree(folder)
    folder.mkdir()
    for n in range(50):
        blocks = [entity_yaml(n * 60 + i, quotes) for i in range(60)]
        (folder / f"people-{n:02d}.yaml").write_text("# people\nentities:\n" + "".join(blocks), encoding="utf-8")
    return folder


def _stamps(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino) for p in sorted(folder.iterdir())}


def test_a_save_among_50_files_changes_its_file_only_and_leaves_what_a_fresh_load_reads(seeds):
    folder = _fifty_files(seeds)
    explorer = Explorer(seeds)
    assert explorer.annotation_counts().entities == 3_000 and explorer.problems() == []
    before = _stamps(folder)
    entity_id = f"e1234-{_word(1234).lower()}"
    entity = explorer.entities_by_id()[entity_id]
    assert entity.where.path == "annotations/people-20.yaml"
    article, sentence = seeds_sentences()[3]

    explorer.add_fact(entity_id, NewFact("Added by the test.", article, sentence))

    after = _stamps(folder)
    assert [name for name in before if before[name] != after[name]] == ["people-20.yaml"]
    saved = explorer.entities_by_id()[entity_id]
    assert [f.text for f in saved.facts] == ["Added by the test."]
    assert saved.facts[0].span is not None
    # What the save left loaded is what a fresh load of the files reads.
    fresh = Explorer(seeds)
    assert dict(explorer.entities_by_id()) == dict(fresh.entities_by_id())
    assert explorer.problems() == fresh.problems() == []


def test_a_reload_parses_again_only_the_files_whose_bytes_changed(seeds):
    folder = _fifty_files(seeds)
    corpus = Corpus(seeds)
    first = load_annotations(folder, corpus, display_base=seeds)
    changed = folder / "people-07.yaml"
    text = changed.read_text(encoding="utf-8")
    stat = changed.stat()
    # Same size and modification time, other bytes: only a comparison of the bytes tells.
    changed.write_text(text.replace("type: person", "type: event ", 1), encoding="utf-8")
    os.utime(changed, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert changed.stat().st_size == stat.st_size

    second = load_annotations(folder, corpus, display_base=seeds, known=first.parsed)

    reparsed = [d for d in second.parsed if second.parsed[d] is not first.parsed[d]]
    assert reparsed == ["annotations/people-07.yaml"]
    assert second.entities == load_annotations(folder, corpus, display_base=seeds).entities
    assert second.entities[f"e420-{_word(420).lower()}"].kind.value == "event"


def test_mention_counts_in_one_pass_match_counting_each_entity_after_an_update(seeds):
    explorer = Explorer(seeds)
    explorer.update_index()
    article = seeds / "articles" / "0002.txt"
    article.write_text(article.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    assert explorer.update_index().updated == 1  # the old version is now a deleted document
    counts = explorer.mention_counts()
    searcher = explorer._index.searcher()
    assert counts == {e.id: mention_count(searcher, e.id) for e in explorer.entities()}
    assert counts["ehang"] == 1


def test_without_libyaml_the_python_loader_reads_everything(seeds):
    """PyYAML built without libyaml (no ``yaml._yaml``): the same entities and problems, by the Python loader."""
    code = (
        "import sys; sys.modules['yaml._yaml'] = None\n"
        "import yaml; assert not yaml.__with_libyaml__\n"
        "from pathlib import Path\n"
        "from gdexplorer.annotations.loading import fast_composable, load_annotations\n"
        "from gdexplorer.corpus.reading import Corpus\n"
        "root = Path(sys.argv[1])\n"
        "assert not fast_composable('entities: []')\n"
        "result = load_annotations(root / 'annotations', Corpus(root), display_base=root)\n"
        "print(len(result.entities), result.facts_count, [str(p) for p in result.problems])\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(seeds)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    here = load_annotations(seeds / "annotations", Corpus(seeds), display_base=seeds)
    assert done.stdout.split(" ", 2)[:2] == [str(len(here.entities)), str(here.facts_count)]
    assert done.stdout.strip().endswith("[]") and here.problems == []
