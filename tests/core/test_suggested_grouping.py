"""Grouping suggestions fast gives the same groups as the pair-by-pair grouping it replaced (kept
below as it was): on real corpus slices, English through spaCy and Chinese through jieba."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from gdexplorer.annotations.mentions import _has_cjk
from gdexplorer.annotations.recognizers import Recognizer, spacy_available
from gdexplorer.annotations.suggested import (
    SuggestionCache,
    _initials,
    group,
    normalise,
    plausible,
    update_cache,
)
from gdexplorer.corpus.reading import Corpus
from gdexplorer.explorer import Explorer
from gdexplorer.model import Entity, EntityKind, SuggestedEntity, SuggestedMention
from tests.conftest import SEEDS, corpus_path


def _records(tmp_path: Path, name: str, folder: str, limit: int) -> dict[str, Any]:
    corpus = Corpus(corpus_path(name))
    files = {aid: st.signature for aid, st in sorted(corpus.scan().items()) if aid.startswith(folder)}
    files = dict(list(files.items())[:limit])
    cache = SuggestionCache(tmp_path / "s.jsonl", Recognizer.version())
    update_cache(cache, files, corpus.read_body, Recognizer())
    assert len(cache.records) == len(files) > 10
    return cache.records


@pytest.mark.slow
@pytest.mark.corpora
@pytest.mark.parametrize(("corpus", "folder", "limit"), [
    pytest.param("en-bbc-news-2004-2005", "articles/politics/", 40, id="bbc-politics",
                 marks=pytest.mark.skipif(not spacy_available(), reason="spaCy and its model are not installed")),
    pytest.param("zh-thucnews-cnews-1k", "", 100, id="thucnews"),
])
def test_fast_grouping_gives_the_same_groups(tmp_path: Path, corpus: str, folder: str, limit: int) -> None:
    records = _records(tmp_path, corpus, folder, limit)
    curated = Explorer(SEEDS).entities()
    for given in ([], curated):
        new, new_extra = group(records.items(), given, ["Reuters"])
        old, old_extra = _old_group(records.items(), given, ["Reuters"])
        # Since then, names that do not look like names are dropped after grouping.
        old = [s for s in old if plausible(s.name, s.kind, s.articles)]
        assert new == old and new_extra == old_extra
        # Something was merged, or the comparison says little.
        assert any(s.aliases for s in new), [s.name for s in new[:20]]


# -- the grouping as it was before (pair by pair, about 11 s on the BBC corpus) -----------------


def _old_group(records: Iterable[tuple[str, Mapping[str, Any]]], curated: Iterable[Entity],
          rejected: Iterable[str] = ()) -> tuple[list[SuggestedEntity], Counter[str]]:
    """Suggested entities, most mentioned first, and the extra mentions found of curated entities."""
    curated_names: dict[str, str] = {}
    for ent in curated:
        for n in ent.names:
            curated_names[n.casefold()] = ent.id
            curated_names[normalise(n).casefold()] = ent.id
    rejected_keys = {normalise(r).casefold() for r in rejected}
    # key -> kind votes, mentions; variants: key -> written forms
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    mentions: dict[str, list[SuggestedMention]] = defaultdict(list)
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    per_article: dict[str, set[str]] = defaultdict(set)
    extra: Counter[str] = Counter()
    for aid, rec in records:
        sentences = rec.get("s", {})
        for raw, kind, s, e, s0 in rec.get("m", ()):
            name = normalise(raw)
            if len(name) < 2 or not any(ch.isalpha() for ch in name):
                continue
            key = name.casefold()
            if key in curated_names or raw.casefold() in curated_names:
                extra[curated_names.get(key) or curated_names[raw.casefold()]] += 1
                continue
            kinds[key][kind] += 1
            forms[key][name] += 1
            mentions[key].append(SuggestedMention(aid, s, e, sentences.get(str(s0), ""), s0))
            per_article[aid].add(key)
    # Variants: a shorter name merges into a longer one when they appear in the same article and
    # the short one is a word of the long one (Xi / Xi Jinping), its first words (GAC / GAC Group)
    # or its initials (PBOC / People's Bank of China). The long name seen most often with it wins.
    parent: dict[str, str] = {}
    for keys in per_article.values():
        for short in keys:
            best: str | None = None
            for long in keys:
                if long == short or len(long) <= len(short) or not _old_variant(
                        short, long, kinds[short].most_common(1)[0][0], kinds[long].most_common(1)[0][0]):
                    continue
                if best is None or len(mentions[long]) > len(mentions[best]):
                    best = long
            if best is not None:
                chosen = parent.setdefault(short, best)
                if chosen != best and len(mentions[best]) > len(mentions[chosen]):
                    parent[short] = best

    def root(key: str) -> str:
        seen = set()
        while key in parent and key not in seen:
            seen.add(key)
            key = parent[key]
        return key

    groups: dict[str, list[str]] = defaultdict(list)
    for key in mentions:
        groups[root(key)].append(key)
    out: list[SuggestedEntity] = []
    for head, members in groups.items():
        if any(m in rejected_keys for m in members):
            continue
        votes: Counter[str] = Counter()
        allm: list[SuggestedMention] = []
        names: Counter[str] = Counter()
        for m in members:
            votes.update(kinds[m])
            allm.extend(mentions[m])
            names[forms[m].most_common(1)[0][0]] += len(mentions[m])
        display = forms[head].most_common(1)[0][0]
        aliases = tuple(sorted((n for n in names if n != display), key=lambda n: (-names[n], n)))
        allm.sort(key=lambda m: (m.article, m.start))
        # The full name's type: a family name or an acronym alone is more often mislabelled.
        out.append(SuggestedEntity(display, EntityKind(kinds[head].most_common(1)[0][0]), aliases,
                                   len({m.article for m in allm}), len(allm), tuple(allm)))
    out.sort(key=lambda s: (-s.count, -s.articles, s.name.casefold()))
    return out, extra


def _old_variant(short: str, long: str, short_kind: str, long_kind: str) -> bool:
    """Whether ``short`` can be a shorter way of writing ``long`` (both casefolded)."""
    if _has_cjk(short):
        # 习 / 习近平: a person's family name; 华为 / 华为公司: an organisation's first characters.
        return short_kind == long_kind and long.startswith(short) and short_kind != EntityKind.PLACE.value
    lw, sw = long.split(), short.split()
    person = EntityKind.PERSON.value
    org = EntityKind.ORGANIZATION.value
    if long_kind == person:
        # Xi / Xi Jinping, Blair / Tony Blair: the family name, first or last.
        return short_kind == person and len(sw) == 1 and sw[0] in (lw[0], lw[-1])
    if long_kind == org and short_kind == org:
        # GAC / GAC Group: its first words; PBOC / People's Bank of China: its initials.
        return lw[: len(sw)] == sw or (len(sw) == 1 and len(short) >= 2 and _initials(long.title()).casefold() == short)
    return False
