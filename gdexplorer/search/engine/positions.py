"""Whoosh's ``Positions`` and ``Frequency`` posting formats, with our analyzers run in one loop.

Indexing a body, Whoosh pushes every word through a chain of generators (tokenizer, lowercase,
stemmer with its cache), one ``Token`` object and four Python frames per word; on this corpus that
was a third of the build. For the chains we index with (``gdexplorer.search.analysis``: the
stemming analyzer, with or without stop words, and the exact words-and-CJK-characters analyzer,
each with long words cut into pieces), :class:`FastPositions` and :class:`FastFrequency` do the
same steps on plain strings and yield exactly what ``Positions.word_values`` and
``Frequency.word_values`` yield; any other analyzer (Chinese words, or one a later schema adds)
goes through Whoosh's own code. The equality is tested on real articles and on long words.

Positions are stored packed: the count (as Whoosh stores it), then the gaps between positions as
one array of 1-, 2- or 4-byte unsigned numbers, little-endian, the width being the body's length
over the count. Whoosh pickles a list of Python ints instead, which can only be read back one
posting at a time; packed arrays of every posting of a word are read in one numpy call, which is
what makes a phrase over 10,000 candidate articles a few array operations
(:func:`gdexplorer.search.engine.docsets.position_keys`). Indexes written before the packing have an older
schema version and are rebuilt, never read (``index.SCHEMA_VERSION``).
"""

from __future__ import annotations

import re
import sys
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import accumulate
from operator import sub
from typing import Any

from whoosh import formats
from whoosh.analysis.analyzers import CompositeAnalyzer
from whoosh.analysis.filters import LowercaseFilter, StopFilter
from whoosh.analysis.morph import StemFilter
from whoosh.analysis.tokenizers import RegexTokenizer
from whoosh.system import pack_uint, unpack_uint

from gdexplorer.search.analysis import (
    EXACT_TOKEN,
    MAX_WORD_CHARS,
    ExactTokenizer,
    LongWordFilter,
    exact_spans,
    has_cjk,
    is_prefix_analyzer,
    prefix_words,
)

# (expression, piece size, stop words, min and max size, renumber, stemming function, words not stemmed)
StemPlan = tuple[Any, int, frozenset[str], int, int | None, bool, Callable[[str], str], frozenset[str]]
EXACT = "exact"  # the plan of the exact words-and-characters analyzer: it has no parameters
Plan = StemPlan | str

_plans: dict[int, tuple[Any, Plan | None]] = {}
_stems: dict[Callable[[str], str], dict[str, str]] = {}  # per stemming function: word -> stem
_group = re.Match.group


def _plan(analyzer: Any) -> Plan | None:
    """The parameters of a tokenizer | long words | lowercase [| stop] | stem chain, ``EXACT`` for
    the exact analyzer, or None for anything else."""
    found = _plans.get(id(analyzer))
    if found is not None and found[0] is analyzer:
        return found[1]
    plan: Plan | None = None
    items = getattr(analyzer, "items", None)
    kinds = [type(i) for i in items] if isinstance(analyzer, CompositeAnalyzer) and items is not None else []
    if kinds in ([RegexTokenizer, LongWordFilter, LowercaseFilter, StopFilter, StemFilter],
                 [RegexTokenizer, LongWordFilter, LowercaseFilter, StemFilter]):
        assert items is not None
        tokenizer, cut, stem = items[0], items[1], items[-1]
        stemfn = getattr(stem, "stemfn", None)
        if not tokenizer.gaps and not getattr(stem, "lang", None) and stemfn is not None:
            if len(items) == 5:
                stop = items[3]
                plan = (tokenizer.expression, cut.size, stop.stops, stop.min, stop.max, stop.renumber, stemfn,
                        frozenset(stem.ignore or ()))
            else:
                plan = (tokenizer.expression, cut.size, frozenset(), 0, None, False, stemfn,
                        frozenset(stem.ignore or ()))
    elif kinds == [ExactTokenizer, LongWordFilter, LowercaseFilter] and items is not None \
            and items[1].size == MAX_WORD_CHARS:
        plan = EXACT  # the tokenizer cuts at MAX_WORD_CHARS itself: the filter has nothing left to cut
    _plans[id(analyzer)] = (analyzer, plan)
    return plan


def _pieces(expression: re.Pattern[str], text: str, size: int) -> Iterator[str]:
    """The tokenizer's words with the long ones cut into pieces, as ``LongWordFilter`` does."""
    for m in expression.finditer(text):
        word = m.group()
        if len(word) <= size:
            yield word
        else:
            yield from (word[at : at + size] for at in range(0, len(word), size))


def _stem_table(stemfn: Callable[[str], str]) -> dict[str, str]:
    stems = _stems.setdefault(stemfn, {})
    if len(stems) > 200_000:
        stems.clear()
    return stems


def _stemmed_positions(value: str, plan: StemPlan) -> dict[str, list[int]]:
    """Each stem's positions, as the stemming chain numbers them (stop words renumbered or not)."""
    expression, size, stops, minsize, maxsize, renumber, stemfn, ignore = plan
    stems = _stem_table(stemfn)
    poses: dict[str, list[int]] = {}
    pos: int | None = None
    for index, raw in enumerate(_pieces(expression, value, size)):
        word = raw.lower()
        if len(word) < minsize or (maxsize is not None and len(word) > maxsize) or word in stops:
            continue
        # StopFilter's renumbering: the first kept word keeps its place, the next ones follow it.
        if not renumber or pos is None:
            pos = index
        else:
            pos += 1
        stem: str | None = word if word in ignore else stems.get(word)
        if stem is None:
            stem = stems[word] = stemfn(word)
        found = poses.get(stem)
        if found is None:
            poses[stem] = [pos]
        else:
            found.append(pos)
    return poses


def _stemmed_counts(value: str, plan: StemPlan) -> dict[str, int]:
    """Each stem's frequency. Without stop words, the words are counted in C (map and Counter, no
    Python frame per word) and only the distinct ones are stemmed."""
    expression, size, stops, minsize, maxsize, _, stemfn, ignore = plan
    if stops or minsize > 1 or maxsize is not None:
        return {w: len(p) for w, p in _stemmed_positions(value, plan).items()}
    stems = _stem_table(stemfn)
    words = Counter(map(str.lower, map(_group, expression.finditer(value))))
    # A word longer than the cap (rare: a pasted blob) means counting again with the long words cut
    # into pieces. Lower-casing never shortens a word, so this sees every word that needs cutting.
    if max(map(len, words), default=0) > size:
        words = Counter(map(str.lower, _pieces(expression, value, size)))
    counts: dict[str, int] = {}
    for word, n in words.items():
        stem: str | None = word if word in ignore else stems.get(word)
        if stem is None:
            stem = stems[word] = stemfn(word)
        counts[stem] = counts.get(stem, 0) + n
    return counts


def _exact_positions(value: str) -> dict[str, list[int]]:
    """Each exact token's positions (see ``gdexplorer.search.analysis.exact_spans``)."""
    poses: dict[str, list[int]] = {}
    words = list(map(_group, EXACT_TOKEN.finditer(value)))
    pairs: Iterable[tuple[int, str]]
    if has_cjk(value) or max(map(len, words), default=0) > MAX_WORD_CHARS:
        pairs = ((pos, text.lower()) for text, pos, _, _ in exact_spans(value))
    else:  # no CJK character and no long word, no gap: the positions simply count the words
        pairs = enumerate(map(str.lower, words))
    for pos, word in pairs:
        found = poses.get(word)
        if found is None:
            poses[word] = [pos]
        else:
            found.append(pos)
    return poses


def _positions(value: str, plan: Plan) -> dict[str, list[int]]:
    return _exact_positions(value) if plan == EXACT else _stemmed_positions(value, plan)  # type: ignore[arg-type]


_WIDTHS = {1: "B", 2: "H", 4: "I"}
_BIG_ENDIAN = sys.byteorder == "big"
assert array("I").itemsize == 4


_HEADS = [pack_uint(n) for n in range(256)]  # the count, precomputed for the usual small ones
_SINGLE = [_HEADS[1] + bytes((p,)) for p in range(256)]  # a word once, early in the text


def pack_positions(positions: list[int]) -> bytes:
    """The count, then the gaps between ascending positions in the narrowest unsigned width."""
    count = len(positions)
    head = _HEADS[count] if count < 256 else pack_uint(count)
    if count == 1:  # most words of an article occur once
        first = positions[0]
        return head + first.to_bytes(1 if first < 0x100 else 2 if first < 0x10000 else 4, "little")
    gaps = [positions[0], *map(sub, positions[1:], positions)]
    widest = max(gaps)
    if widest < 0x100:
        return head + bytes(gaps)
    packed = array("H" if widest < 0x10000 else "I", gaps)
    if _BIG_ENDIAN:
        packed.byteswap()
    return head + packed.tobytes()


def unpack_positions(value: bytes) -> list[int]:
    count = unpack_uint(value[:4])[0]
    body = value[4:]
    if not count:
        return []
    packed = array(_WIDTHS[len(body) // count])
    packed.frombytes(body)
    if _BIG_ENDIAN and packed.itemsize > 1:
        packed.byteswap()
    return list(accumulate(packed))


Item = tuple[bytes, int, float, bytes]


def index_items(field: Any, value: Any) -> Iterable[Item]:
    """``field.index(value)``: each distinct word's (UTF-8 bytes, frequency, weight, value), built
    in one loop where the field is one of ours (the segment writer's path), else Whoosh's answer."""
    fmt = field.format
    if isinstance(value, str):
        items: list[Item] | None = None
        if type(fmt) in (FastPositions, FastFrequency):
            items = fmt.items(value, field.analyzer)
        elif type(fmt) is formats.Existence and is_prefix_analyzer(field.analyzer):
            boost = fmt.field_boost
            items = [(w.encode("utf-8"), 1, boost, b"") for w in prefix_words(value)]
        if items is not None:
            return items
    return field.index(value)


class FastPositions(formats.Positions):
    """``Positions`` whose ``word_values`` runs our analyzers without token objects, and whose
    values are packed arrays (see the module's docstring)."""

    def encode(self, poslist: list[int]) -> bytes:
        return pack_positions(poslist)

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return unpack_positions(valuestring)

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[tuple[str, int, float, bytes]]:
        plan = _plan(analyzer) if isinstance(value, str) else None
        if plan is None:
            yield from super().word_values(value, analyzer, **kwargs)
            return
        yield from _position_values(value, plan, self.field_boost)

    def items(self, value: str, analyzer: Any) -> list[Item] | None:
        """:meth:`word_values` with the words as UTF-8, as a list; None where the analyzer is not
        one of ours."""
        plan = _plan(analyzer)
        if plan is None:
            return None
        return [(word.encode("utf-8"), n, weight, packed)
                for word, n, weight, packed in _position_values(value, plan, self.field_boost)]


def _position_values(value: str, plan: Plan, boost: float) -> Iterator[tuple[str, int, float, bytes]]:
    single = _SINGLE
    for word, positions in _positions(value, plan).items():
        if len(positions) == 1 and positions[0] < 0x100:
            yield (word, 1, boost, single[positions[0]])  # the usual case, without a call
        else:
            yield (word, len(positions), len(positions) * boost, pack_positions(positions))


class FastFrequency(formats.Frequency):
    """``Frequency`` whose ``word_values`` runs our analyzers without token objects: the stemmed
    fields need no positions (phrases are matched in the exact fields)."""

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[tuple[str, int, float, bytes]]:
        plan = _plan(analyzer) if isinstance(value, str) else None
        if plan is None:
            yield from super().word_values(value, analyzer, **kwargs)
            return
        boost = self.field_boost
        heads = _HEADS
        for word, n in _counts(value, plan).items():
            yield (word, n, n * boost, heads[n] if n < 256 else pack_uint(n))

    def items(self, value: str, analyzer: Any) -> list[Item] | None:
        """:meth:`word_values` with the words as UTF-8, as a list; None where the analyzer is not
        one of ours."""
        plan = _plan(analyzer)
        if plan is None:
            return None
        boost = self.field_boost
        heads = _HEADS
        return [(word.encode("utf-8"), n, n * boost, heads[n] if n < 256 else pack_uint(n))
                for word, n in _counts(value, plan).items()]


def _counts(value: str, plan: Plan) -> dict[str, int]:
    if plan == EXACT:
        return {w: len(p) for w, p in _exact_positions(value).items()}
    return _stemmed_counts(value, plan)  # type: ignore[arg-type]


def doc_ids_only() -> formats.Format:
    """The postings of a field that only says which documents hold a word (the ``prefix`` field)."""
    return formats.Existence()
