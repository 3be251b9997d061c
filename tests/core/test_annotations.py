"""Annotation loading and validation, on real files: every problem names file, line and column."""

import time
from pathlib import Path

import pytest

from gdexplorer.annotations.loading import load_annotations
from gdexplorer.corpus.reading import Corpus
from gdexplorer.model import EntityKind

GOOD = """\
entities:
  - id: ehang-test
    type: organization
    name: EHang Test
    facts:
      - text: It got a certificate.
        article: articles/0002.txt
        quote: making it the world's first Production Certificate
"""


def load(seeds: Path, name: str, text: str | bytes, keep_seeds: bool = False):
    folder = seeds / "annotations"
    if not keep_seeds:
        for path in folder.glob("*.yaml"):
            path.unlink()
    target = folder / name
    if isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_text(text, encoding="utf-8")
    return load_annotations(folder, Corpus(seeds), display_base=seeds)


def messages(result) -> list[str]:
    return [str(p) for p in result.problems]


def test_the_seeds_are_clean_and_rich(seeds):
    result = load_annotations(seeds / "annotations", Corpus(seeds), display_base=seeds)
    assert messages(result) == []
    assert len(result.entities) >= 40
    assert result.facts_count >= 60
    assert result.relations_count >= 40
    kinds = {e.kind for e in result.entities.values()}
    assert kinds == set(EntityKind)
    ehang = result.entities["ehang"]
    assert "EHang Holdings Limited" in ehang.aliases
    gac = result.entities["gac-group"]
    assert "GAC" in gac.aliases


def test_every_fact_points_at_its_quote_in_the_article(seeds):
    corpus = Corpus(seeds)
    result = load_annotations(seeds / "annotations", corpus, display_base=seeds)
    for entity in result.entities.values():
        for fact in (*entity.facts, *entity.relations):
            text = corpus.read(fact.article).text
            start, end = fact.span
            assert " ".join(text[start:end].split()) == " ".join(fact.quote.split())


def test_a_good_file_loads_with_quote_offsets(seeds):
    result = load(seeds, "x.yaml", GOOD)
    assert messages(result) == []
    fact = result.entities["ehang-test"].facts[0]
    assert fact.where.line == 6 and fact.where.column == 9
    text = Corpus(seeds).read("articles/0002.txt").text
    assert text[fact.span[0] : fact.span[1]] == "making it the world's first Production Certificate"


BAD = [
    ("tab", "entities:\n\t- id: x\n", "annotations/x.yaml:2:1: error: a tab character: YAML indents with spaces only"),
    (
        "unclosed quote",
        'entities:\n  - id: "x\n    name: y\n',
        "annotations/x.yaml:2:9: error: unclosed quote: the text that starts here never ends",
    ),
    (
        "bad indentation",
        "entities:\n  - id: x\n   name: y\n",
        "annotations/x.yaml:3:4: error: bad indentation: this line does not line up with the lines above it",
    ),
    (
        "duplicate key",
        "entities:\n  - id: x\n    type: place\n    name: A\n    name: B\n",
        "annotations/x.yaml:5:5: error: duplicate key 'name' in an entity (first at line 4); only one is allowed",
    ),
    (
        "list where text goes",
        "entities:\n  - id: x\n    type: place\n    name: [A, B]\n",
        "annotations/x.yaml:4:11: error: 'name' of an entity must be text, not a list",
    ),
    (
        "unknown type",
        "entities:\n  - id: x\n    type: planet\n    name: Mars\n",
        "annotations/x.yaml:3:11: error: unknown entity type 'planet'; expected one of: person, organization, place, "
        "technology, product, event",
    ),
    ("missing id", "entities:\n  - type: place\n    name: A\n", "annotations/x.yaml:2:5: error: an entity is missing 'id'"),
    ("missing name", "entities:\n  - id: a\n    type: place\n", "annotations/x.yaml:2:5: error: an entity is missing 'name'"),
    (
        "unknown key",
        "entities:\n  - id: a\n    type: place\n    name: A\n    nmae: B\n",
        "annotations/x.yaml:5:5: error: unknown key 'nmae' in an entity; expected one of: id, type, name, aliases, title, "
        "description, facts, relations",
    ),
    (
        "relation to unknown id",
        "entities:\n  - id: a\n    type: place\n    name: A\n    relations:\n      - predicate: near\n"
        "        object: nowhere\n        article: articles/0001.txt\n        quote: Canton Tower\n",
        "annotations/x.yaml:7:17: error: relation 'near' points to unknown id 'nowhere'",
    ),
    (
        "quote not found",
        "entities:\n  - id: a\n    type: place\n    name: A\n    facts:\n      - text: t\n"
        "        article: articles/0001.txt\n        quote: words that are not there\n",
        'annotations/x.yaml:6:9: error: quote not found in articles/0001.txt: "words that are not there"',
    ),
    (
        "article does not exist",
        "entities:\n  - id: a\n    type: place\n    name: A\n    facts:\n      - text: t\n"
        "        article: articles/9999.txt\n        quote: q\n",
        "annotations/x.yaml:6:9: error: article 'articles/9999.txt' does not exist in the corpus",
    ),
    ("empty file", "", "annotations/x.yaml: warning: the file has no entities (it is empty or only comments)"),
    ("only a comment", "# nothing yet\n", "annotations/x.yaml: warning: the file has no entities (it is empty or only comments)"),
    ("non-UTF-8", b"entities:\n  - id: caf\xe9\n", "annotations/x.yaml:2:12: error: not valid UTF-8 (annotation files must be UTF-8)"),
    (
        "python tag",
        "entities: !!python/object/apply:os.system ['echo pwned']\n",
        "annotations/x.yaml:1:11: error: tag !!python/object/apply:os.system is not allowed: annotations are plain text, "
        "lists and mappings",
    ),
    ("top level list", "- id: a\n", "annotations/x.yaml:1:1: error: the file must be a mapping of keys to values, not a list"),
    (
        "bad id",
        "entities:\n  - id: Has Space\n    type: place\n    name: A\n",
        "annotations/x.yaml:2:9: error: id 'Has Space' must be lowercase, without spaces, commas, colons or quotes",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_yaml_is_reported_at_its_place(seeds, text, expected):
    result = load(seeds, "x.yaml", text)
    assert expected in messages(result)


def test_a_python_tag_is_never_executed(seeds, tmp_path):
    marker = tmp_path / "pwned"
    load(seeds, "x.yaml", f"entities: !!python/object/apply:os.system ['touch {marker}']\n")
    assert not marker.exists()


def test_duplicate_ids_across_files(seeds):
    load(seeds, "a.yaml", "entities:\n  - id: same\n    type: place\n    name: A\n")
    result = load(seeds, "b.yaml", "entities:\n  - id: same\n    type: place\n    name: B\n", keep_seeds=True)
    assert "annotations/b.yaml:2:9: error: duplicate id 'same' (first defined at annotations/a.yaml:2)" in messages(
        result
    )
    assert result.entities["same"].name == "A"


def test_one_bad_file_does_not_stop_the_others(seeds):
    result = load(seeds, "broken.yaml", "entities:\n\t- bad\n", keep_seeds=True)
    assert len(result.entities) >= 40
    assert [p.path for p in result.problems] == ["annotations/broken.yaml"]


def test_a_bad_fact_is_dropped_but_its_entity_stays(seeds):
    text = GOOD + "      - text: wrong\n        article: articles/0002.txt\n        quote: not in the article\n"
    result = load(seeds, "x.yaml", text)
    assert len(result.entities["ehang-test"].facts) == 1
    assert len(result.problems) == 1


def test_an_alias_bomb_is_refused_quickly(seeds):
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append("entities: *a9")
    started = time.perf_counter()
    result = load(seeds, "bomb.yaml", "\n".join(lines) + "\n")
    elapsed = time.perf_counter() - started
    assert any("alias" in p.message and "refused" in p.message for p in result.problems)
    assert elapsed < 5  # generous: a bomb that expanded would take minutes and gigabytes


def test_a_huge_file_is_refused_without_parsing(seeds):
    big = "# padding\n" * (9 * 1024 * 1024 // 10)
    result = load(seeds, "big.yaml", big)
    assert messages(result)[0].startswith("annotations/big.yaml: error: the file is 9.0 MB, over the 8 MB limit")


def test_a_bom_is_accepted(seeds):
    result = load(seeds, "x.yaml", ("\ufeff" + GOOD).encode("utf-8"))
    assert messages(result) == []
    assert "ehang-test" in result.entities


def test_whitespace_differences_in_quotes_are_tolerated(seeds):
    text = GOOD.replace("making it the world's first Production Certificate",
                        "\"making it   the world's\\n first Production Certificate\"")
    result = load(seeds, "x.yaml", text)
    assert messages(result) == []
