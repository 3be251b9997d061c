"""Suggested entities: names a recognizer finds in the articles, grouped across the corpus.

The curated YAML stays the truth; this module only proposes. English goes through spaCy's small
English model (NER alone: the tagger, parser and lemmatizer are excluded, a rule sentencizer gives
the sentences), Chinese through jieba's part-of-speech tags (nr/nrfg/nrt people, ns places, nt
organisations), which ship with jieba. spaCy is an optional extra (``pip install gdexplorer[ner]``):
it adds about 360 MB, so without it English articles get no suggestions, and everything says so.

What the recognizer found is cached per article with the article's file signature (the same one
the index uses), one JSON line per article appended as it is done: an update reads only new or
changed articles, and one killed half-way resumes where it stopped. Grouping is cheap and runs on
every call, so curating an entity or rejecting a name takes effect at once. The recognizers are in
``gdexplorer.annotations.recognizers``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gdexplorer.annotations.loading import REJECTED_FILE
from gdexplorer.annotations.mentions import _has_cjk
from gdexplorer.annotations.recognizers import Recognizer
from gdexplorer.errors import AnnotationError, CorpusError, GdxError
from gdexplorer.files import atomic_write
from gdexplorer.model import Entity, EntityKind, Progress, SuggestedEntity, SuggestedMention, SuggestionStatus

log = logging.getLogger(__name__)

CACHE_FORMAT = 1
# Titles and honorifics that precede a name: "President Xi" is Xi.
_TITLES = frozenset((
    "mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sir", "lord", "lady", "president", "premier",
    "vice", "chairman", "chairwoman", "minister", "secretary", "general", "gen", "governor", "mayor",
    "senator", "rep", "king", "queen", "prince", "princess", "pope", "rev", "chancellor", "director", "chief",
    "ceo", "judge", "justice", "ambassador",
))
_LEADING = frozenset({"the", "a", "an"})
# -- the cache ---------------------------------------------------------------------------------


class SuggestionCache:
    """Per-article recognizer output in one JSON-lines file: a header, then one line per article."""

    def __init__(self, path: Path, version: str) -> None:
        self.path = path
        self.version = version
        self.records: dict[str, dict[str, Any]] = {}
        self._load()

    def _load(self) -> None:
        try:
            with self.path.open(encoding="utf-8") as f:
                header = json.loads(f.readline() or "{}")
                if header.get("format") != CACHE_FORMAT or header.get("recognizer") != self.version:
                    return
                for line in f:
                    try:
                        rec = json.loads(line)
                    except ValueError:
                        break  # a line cut short by a kill: everything before it is good
                    if rec.get("gone"):
                        self.records.pop(rec["id"], None)
                    else:
                        self.records[rec["id"]] = rec
        except FileNotFoundError:
            self.records = {}
        except (OSError, ValueError) as e:
            log.info("suggestion cache %s unreadable, starting again: %s", self.path, e)
            self.records = {}

    def compact(self) -> None:
        lines = [json.dumps({"format": CACHE_FORMAT, "recognizer": self.version})]
        lines += [json.dumps(rec, ensure_ascii=False) for rec in self.records.values()]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, ("\n".join(lines) + "\n").encode("utf-8"), durable=False)

    @contextlib.contextmanager
    def appender(self) -> Iterator[Callable[[dict[str, Any]], None]]:
        self.compact()  # drops any torn last line, and writes the header for a new file
        with self.path.open("a", encoding="utf-8") as f:
            def add(rec: dict[str, Any]) -> None:
                if rec.get("gone"):
                    self.records.pop(rec["id"], None)
                else:
                    self.records[rec["id"]] = rec
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
                f.flush()  # a kill loses at most the article being written

            yield add


def update_cache(cache: SuggestionCache, files: Mapping[str, str], read_body: Callable[[str], str],
                 recognizer: Recognizer, progress: Callable[[Progress], None] | None = None,
                 cancel: threading.Event | None = None) -> SuggestionStatus:
    """Recognize the articles whose signature (``files``: id -> signature) is not in the cache yet."""
    todo = [aid for aid, sig in files.items() if cache.records.get(aid, {}).get("sig") != sig]
    gone = [aid for aid in cache.records if aid not in files]
    total = len(files)
    done = total - len(todo)
    missing: str | None = None
    if not todo and not gone:
        return SuggestionStatus(done, total, recognizer.missing)
    with cache.appender() as add:
        for aid in gone:
            add({"id": aid, "gone": True})
        for n, aid in enumerate(todo, 1):
            if cancel is not None and cancel.is_set():
                break
            try:
                body = read_body(aid)
            except CorpusError as e:
                log.info("suggestions: %s", e)
                body = ""
            names = recognizer.find(body)
            if names is None:
                missing = recognizer.missing
                done += 1
                continue  # not cached: once the extra is installed, these articles get their turn
            sentences: dict[int, str] = {}
            rows = []
            for name, kind, start, end, s0, s1 in names:
                sentences.setdefault(s0, body[s0:s1].strip())
                rows.append([name, kind, start, end, s0])
            add({"id": aid, "sig": files[aid], "m": rows, "s": {str(k): v for k, v in sentences.items()}})
            done += 1
            if progress is not None and (n % 10 == 0 or n == len(todo)):
                progress(Progress(done, total, "suggestions"))
    return SuggestionStatus(done, total, missing or recognizer.missing)


# -- grouping ----------------------------------------------------------------------------------


def normalise(name: str) -> str:
    """The name as grouped: whitespace folded, possessive, leading article and titles dropped."""
    name = " ".join(name.replace("\u2019", "'").split()).strip(" .,;:'\"()[]-")
    name = re.sub(r"'s$", "", name)
    if "(" in name and ")" not in name:  # "Civil Aviation Administration of China (CAAC": the name is before it
        name = name[: name.index("(")].strip()
    words = name.split(" ")
    while len(words) > 1 and (words[0].lower() in _LEADING or words[0].lower().rstrip(".") in _TITLES):
        words.pop(0)
    return " ".join(words)


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[:1].isupper())


def group(records: Iterable[tuple[str, Mapping[str, Any]]], curated: Iterable[Entity],
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
    normalised: dict[str, str] = {}  # the same few thousand names over and over
    for aid, rec in records:
        sentences = rec.get("s", {})
        for raw, kind, s, e, s0 in rec.get("m", ()):
            name = normalised.get(raw)
            if name is None:
                name = normalised[raw] = normalise(raw)
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
    # or its initials (PBOC / People's Bank of China). The long name seen most often with it wins
    # (ties: the first in the article's set, as before).
    # Every pair of names in an article was tried once (11 s on the BBC corpus): each long name is
    # now found through what a variant shares with it, its first character, last word or initials.
    top = {key: votes.most_common(1)[0][0] for key, votes in kinds.items()}
    cjk = {key: _has_cjk(key) for key in kinds}
    initials = {key: _initials(key.title()).casefold() for key in kinds}
    sizes = {key: len(found) for key, found in mentions.items()}
    parent: dict[str, str] = {}
    for keys in per_article.values():
        if len(keys) < 2:
            continue
        by_first: dict[str, list[str]] = defaultdict(list)
        by_last: dict[str, list[str]] = defaultdict(list)
        by_initials: dict[str, list[str]] = defaultdict(list)
        order: dict[str, int] = {}
        for i, long in enumerate(keys):
            order[long] = i
            by_first[long[0]].append(long)
            by_last[long.rsplit(" ", 1)[-1]].append(long)
            by_initials[initials[long]].append(long)
        for short in keys:
            candidates = set(by_first[short[0]])
            if not cjk[short]:
                candidates.update(by_last.get(short, ()))
                candidates.update(by_initials.get(short, ()))
            best: str | None = None
            for long in candidates:
                if len(long) <= len(short) or not _variant(short, long, top[short], top[long], cjk[short]):
                    continue
                if best is None or (sizes[long], -order[long]) > (sizes[best], -order[best]):
                    best = long
            if best is not None:
                chosen = parent.setdefault(short, best)
                if chosen != best and sizes[best] > sizes[chosen]:
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
        kind = EntityKind(kinds[head].most_common(1)[0][0])
        articles = len({m.article for m in allm})
        if not plausible(display, kind, articles):
            continue
        out.append(SuggestedEntity(display, kind, aliases, articles, len(allm), tuple(allm)))
    out.sort(key=lambda s: (-s.count, -s.articles, s.name.casefold()))
    return out, extra


@dataclass(frozen=True, slots=True)
class Grouped:
    """One grouping of the cache, with what the facets, the network and the article pane ask of it."""

    entities: tuple[SuggestedEntity, ...]  # most mentioned first
    extra: Mapping[str, int]  # curated entity id -> mentions the recognizer found of it
    by_article: Mapping[str, tuple[SuggestedEntity, ...]]  # the most mentioned in the article first

    def counts(self, articles: Iterable[str]) -> list[tuple[SuggestedEntity, int]]:
        """How many of ``articles`` mention each suggested entity, most first (then as ranked overall)."""
        counted: Counter[int] = Counter()
        rank = {id(s): n for n, s in enumerate(self.entities)}
        for aid in articles:
            for s in self.by_article.get(aid, ()):
                counted[rank[id(s)]] += 1
        return [(self.entities[r], n) for r, n in sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))]


def grouped(records: Iterable[tuple[str, Mapping[str, Any]]], curated: Iterable[Entity],
            rejected: Iterable[str] = ()) -> Grouped:
    """``group`` with each article's suggested entities."""
    found, extra = group(records, curated, rejected)
    per: dict[str, Counter[int]] = defaultdict(Counter)
    for n, s in enumerate(found):
        for m in s.mentions:
            per[m.article][n] += 1
    by_article = {aid: tuple(found[n] for n, _ in sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))
                  for aid, c in per.items()}
    return Grouped(tuple(found), dict(extra), by_article)


# jieba's tags alone made 10 of 30 sampled thucnews suggestions right. A place or organisation is
# kept when its name ends as such names do, or when two articles name it; a person's "name" that is
# a title (康总, "boss Kang"), a doubled character (白白) or two countries (中美) is dropped.
_AMOUNT = re.compile(r"^\W?\d[\d.,]*\s?(bn|m|k|p|tn|trn|billion|million)?$", re.I)
_COMPANY_TAIL = re.compile(r",\s+(Ltd|Inc|LLC|Co|plc|S\.?A|AG|GmbH|Limited|L\.?P)\.?$", re.I)
_CREDIT = re.compile(r"/(Getty|AFP|Reuters|AP|EPA|Corbis|Rex|Alamy|PA|Xinhua|Imaginechina)\b")
_PLACE_ENDS = frozenset("省市县区镇乡村州国岛山河江湖海城港湾洲路街")
_ORG_ENDS = ("公司", "集团", "大学", "学院", "学校", "银行", "医院", "中心", "协会", "组织", "议会", "基金", "联盟",
             "委员会", "法院", "检察院", "研究院", "研究所", "局", "部", "委", "会", "院", "所", "厅", "署", "办", "党",
             "队", "社", "台", "报", "网", "厂", "行")
_PERSON_NOT = frozenset("总某氏哥姐老嫂叔爷婆")
_COUNTRY_ABBREVIATIONS = frozenset("中美日韩俄英法德欧印台港澳朝越")


def plausible(name: str, kind: EntityKind, articles: int) -> bool:
    """Whether a grouped name is kept: what the recognizers get wrong most, dropped."""
    if not _has_cjk(name):
        # spaCy: "showy", "int7", "zhongguo meng" (a name in lower case), "Lucent, Sun Microsystems"
        # (a list read as one), "Xinhua. Education" (across a sentence end).
        # And "117bn", "£160bn": an amount the model took for a name; credits, "Doug Kanter/Getty Images".
        listed = ", " in _COMPANY_TAIL.sub("", name)  # "Yuntao Hydrogen Technology Co., Ltd" is one name
        return (not name[:1].islower() and not listed and ". " not in name and not _AMOUNT.match(name)
                and not _CREDIT.search(name))
    if len(name) < 2:
        return False
    if kind is EntityKind.PERSON:
        return name[-1] not in _PERSON_NOT and not (len(name) == 2 and name[0] == name[1])
    if len(name) == 2 and all(ch in _COUNTRY_ABBREVIATIONS for ch in name):
        return False
    if kind is EntityKind.PLACE:
        return name[-1] in _PLACE_ENDS or articles >= 2
    if kind is EntityKind.ORGANIZATION:
        return name.endswith(_ORG_ENDS) or articles >= 2
    return True


def _variant(short: str, long: str, short_kind: str, long_kind: str, short_cjk: bool) -> bool:
    """Whether ``short`` can be a shorter way of writing ``long`` (both casefolded)."""
    if short_cjk:
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


# -- rejections --------------------------------------------------------------------------------


def read_rejected(annotations_dir: Path) -> list[str]:
    path = annotations_dir / REJECTED_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        return []
    except (OSError, yaml.YAMLError) as e:
        raise AnnotationError(str(path), f"cannot read the rejected suggestions: {e}") from e
    names = data.get("rejected") if isinstance(data, dict) else None
    if names is None:
        return []
    if not isinstance(names, list):
        raise AnnotationError(str(path), "'rejected' must be a list of names")
    return [str(n) for n in names]


def add_rejected(annotations_dir: Path, name: str) -> Path:
    """Append ``name`` to the rejected list: one line added, the rest of the file left as it is."""
    path = annotations_dir / REJECTED_FILE
    current = read_rejected(annotations_dir)
    if normalise(name).casefold() in {normalise(n).casefold() for n in current}:
        return path
    line = "  - " + json.dumps(name, ensure_ascii=False) + "\n"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ("# Names gdexplorer should not suggest as entities (gdexplorer reject NAME, or Reject in the\n"
                "# window). Shared like the rest of the annotations.\nrejected:\n")
    if not text.endswith("\n"):
        text += "\n"
    if "rejected:" not in text:
        text += "rejected:\n"
    elif re.search(r"^rejected:\s*\[\s*\]\s*$", text, re.M):
        text = re.sub(r"^rejected:\s*\[\s*\]\s*$", "rejected:", text, flags=re.M)
    text += line
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text.encode("utf-8"))
    return path


def entity_id_for(name: str, taken: Iterable[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "entity"
    if not base[0].isalpha():
        base = "e-" + base
    used = set(taken)
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


class SuggestionError(GdxError):
    """A suggestion asked for by name that is not there."""


def cache_path(index_folder: Path) -> Path:
    # Beside the indexes in the per-user cache, one file per (corpus, annotations) like the index.
    return index_folder.parent.parent / "suggested" / f"{index_folder.name}.jsonl"
