"""Curating changes the YAML text minimally, validates before writing, writes atomically, undoes."""

import difflib
import os

import pytest

from gdexplorer.annotations.curation import NewEntity, NewFact, NewRelation
from gdexplorer.errors import AnnotationError
from gdexplorer.explorer import Explorer
from gdexplorer.files import atomic_write
from gdexplorer.model import EntityKind

QUOTE = "The company's EH216-S passenger-carrying pilotless electric vertical takeoff and landing (eVTOL) aircraft"


@pytest.fixture
def curator(seeds):
    return Explorer(seeds)


def added_lines(before: bytes, after: bytes) -> tuple[list[str], list[str]]:
    diff = list(difflib.ndiff(before.decode().splitlines(), after.decode().splitlines()))
    return [d[2:] for d in diff if d.startswith("+ ")], [d[2:] for d in diff if d.startswith("- ")]


def test_add_fact_appends_a_block_and_leaves_the_rest_byte_identical(curator, seeds):
    path = seeds / "annotations" / "organizations.yaml"
    before = path.read_bytes()
    change = curator.add_fact("ehang", NewFact("Its EH216-S carries passengers without a pilot.", "articles/0002.txt",
                                               QUOTE))
    after = path.read_bytes()
    added, removed = added_lines(before, after)
    assert removed == []
    assert added == [
        "      - text: Its EH216-S carries passengers without a pilot.",
        "        article: articles/0002.txt",
        f'        quote: "{QUOTE}"',
    ]
    assert change.before == before and change.after == after
    ehang = curator.entities_by_id()["ehang"]
    assert ehang.facts[-1].text == "Its EH216-S carries passengers without a pilot."
    assert ehang.facts[-1].span is not None
    assert curator.problems() == []


def test_add_fact_to_an_entity_without_facts_adds_the_key(curator, seeds):
    entity = next(e for e in curator.entities() if not e.facts)
    path = seeds / entity.where.path
    before = path.read_bytes()
    curator.add_fact(entity.id, NewFact("Named in the article.", "articles/0002.txt", "EHang Holdings Limited"))
    added, removed = added_lines(before, path.read_bytes())
    assert removed == [] and added[0].strip() == "facts:"
    assert len(curator.entities_by_id()[entity.id].facts) == 1


def test_a_quote_that_is_not_in_the_article_is_refused_and_nothing_is_written(curator, seeds):
    path = seeds / "annotations" / "organizations.yaml"
    before = path.read_bytes()
    with pytest.raises(AnnotationError, match="the quote is not in the article"):
        curator.add_fact("ehang", NewFact("x", "articles/0002.txt", "words nobody wrote"))
    with pytest.raises(AnnotationError, match="does not exist"):
        curator.add_fact("ehang", NewFact("x", "articles/9999.txt", "EHang"))
    assert path.read_bytes() == before


def test_edit_delete_and_undo(curator, seeds):
    path = seeds / "annotations" / "organizations.yaml"
    original = path.read_bytes()
    first = curator.entities_by_id()["ehang"].facts[0]
    curator.edit_fact("ehang", first, NewFact("Edited.", "articles/0002.txt", "a leading enterprise"))
    assert curator.entities_by_id()["ehang"].facts[0].text == "Edited."
    count = len(curator.entities_by_id()["ehang"].facts)
    curator.delete_fact("ehang", curator.entities_by_id()["ehang"].facts[0])
    assert len(curator.entities_by_id()["ehang"].facts) == count - 1
    curator.undo()
    curator.undo()
    assert path.read_bytes() == original
    assert curator.undo() is None


def test_undo_refuses_when_the_file_changed_meanwhile(curator, seeds):
    path = seeds / "annotations" / "organizations.yaml"
    curator.add_fact("ehang", NewFact("x", "articles/0002.txt", "EHang"))
    path.write_bytes(path.read_bytes() + b"# edited elsewhere\n")
    with pytest.raises(AnnotationError, match="changed since"):
        curator.undo()


def test_add_relation_and_create_entity(curator, seeds):
    curator.add_relation("ehang", NewRelation("based in", "guangzhou", "articles/0002.txt",
                                              "Huangpu District of Guangzhou"))
    assert ("based in", "guangzhou") in {(r.predicate, r.object) for r in
                                         curator.entities_by_id()["ehang"].relations}
    with pytest.raises(AnnotationError, match="no entity with id 'nowhere'"):
        curator.add_relation("ehang", NewRelation("near", "nowhere", "articles/0002.txt", "EHang"))
    path = seeds / "annotations" / "products.yaml"
    before = path.read_bytes()
    curator.create_entity(NewEntity("production-certificate", EntityKind.PRODUCT, "Production Certificate",
                                    description="Certificate issued by the CAAC."),
                          facts=(NewFact("The world's first in the eVTOL industry.", "articles/0002.txt",
                                         "the world's first Production Certificate"),))
    assert path.read_bytes().startswith(before)
    entity = curator.entities_by_id()["production-certificate"]
    assert entity.kind is EntityKind.PRODUCT and len(entity.facts) == 1
    assert curator.problems() == []
    with pytest.raises(AnnotationError, match="exists already"):
        curator.create_entity(NewEntity("ehang", EntityKind.ORGANIZATION, "EHang"))


def test_a_new_entity_in_a_new_file(seeds):
    for path in (seeds / "annotations").glob("events.yaml"):
        path.unlink()
    curator = Explorer(seeds)
    curator.create_entity(NewEntity("panel", EntityKind.EVENT, "open panel discussion"))
    text = (seeds / "annotations" / "events.yaml").read_text()
    assert text.startswith("# Events curated in gdexplorer.\nentities:\n  - id: panel\n")
    curator.undo()
    assert not (seeds / "annotations" / "events.yaml").exists()


def test_the_first_fact_in_a_folder_without_annotations_makes_the_folder(seeds):
    """A new user's folder of documents has no annotations/ yet: the first Add Fact made it "gone"."""
    import shutil

    shutil.rmtree(seeds / "annotations")
    curator = Explorer(seeds)
    curator.create_entity(NewEntity("ehang", EntityKind.ORGANIZATION, "EHang"),
                          (NewFact("Makes pilotless aircraft.", "articles/0002.txt", QUOTE),))
    assert (seeds / "annotations" / "organizations.yaml").read_text().count("id: ehang") == 1
    assert [e.id for e in curator.entities()] == ["ehang"]
    shutil.rmtree(seeds)  # the corpus itself gone: said so, nothing made
    with pytest.raises(AnnotationError, match="is gone"):
        curator.create_entity(NewEntity("gac", EntityKind.ORGANIZATION, "GAC"))
    assert not seeds.exists()


def test_an_interrupted_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"entities: []\n")

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        atomic_write(path, b"entities:\n  - id: new\n")
    assert path.read_bytes() == b"entities: []\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.yaml"]


def test_crlf_files_stay_crlf(curator, seeds):
    path = seeds / "annotations" / "organizations.yaml"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    curator.reload_annotations()
    curator.add_fact("ehang", NewFact("x", "articles/0002.txt", "EHang"))
    data = path.read_bytes()
    assert b"\r\n" in data and data.count(b"\n") == data.count(b"\r\n")


def test_new_blocks_follow_the_house_style(curator, seeds):
    curator.create_entity(NewEntity("production-certificate", EntityKind.PRODUCT, "Production Certificate"),
                          facts=(NewFact("First of its kind.", "articles/0002.txt",
                                         "the world's first Production Certificate"),),
                          relations=(NewRelation("issued by", "caac", "articles/0002.txt",
                                                 "Production Certificate issued by the Civil Aviation"),))
    text = (seeds / "annotations" / "products.yaml").read_text(encoding="utf-8")
    assert text.endswith(
        "  - id: production-certificate\n"
        "    type: product\n"
        "    name: Production Certificate\n"
        "    facts:\n"
        "      - text: First of its kind.\n"
        "        article: articles/0002.txt\n"
        "        quote: \"the world's first Production Certificate\"\n"
        "    relations:\n"
        "      - predicate: issued by\n"
        "        object: caac\n"
        "        article: articles/0002.txt\n"
        "        quote: \"Production Certificate issued by the Civil Aviation\"\n"
    )
    curator.edit_relation("production-certificate", curator.entities_by_id()["production-certificate"].relations[0],
                          NewRelation("certified by", "caac", "articles/0002.txt", "Civil Aviation Administration of China"))
    rel = curator.entities_by_id()["production-certificate"].relations[0]
    assert (rel.predicate, rel.quote) == ("certified by", "Civil Aviation Administration of China")
    assert curator.problems() == []
