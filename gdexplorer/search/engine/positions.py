"""Whoosh's ``Positions`` posting format, with the English analyzer run in one loop.

Indexing a body, Whoosh pushes every word through a chain of generators (tokenizer, lowercase,
stop words, stemmer with its cache), one ``Token`` object and four Python frames per word; on this
corpus that is a third of the build. For the one chain we index English with (Whoosh's
``StemmingAnalyzer`` with long words cut into pieces, :mod:`gdexplorer.search.analysis`),
:class:`FastPositions` does the same steps on plain strings in one pass and
yields exactly what ``Positions.word_values`` yields; any other analyzer (Chinese, or one a later
schema adds) goes through Whoosh's own code. The equality is tested on real articles.

Positions are stored packed: the count (as Whoosh stores it), then the gaps between positions as
one array of 1-, 2- or 4-byte unsigned numbers, little-endian, the width being the body's length
over the count. Whoosh pickles a list of Python ints instead, which can only be read back one
posting at a time; packed arrays of every posting of a word are read in one numpy call, which is
what makes a phrase over 10,000 candidate articles a few array operations
(:func:`gdexplorer.search.engine.docsets.position_arrays`). Indexes written before the packing have an older
schema version and are rebuilt, never read (``index.SCHEMA_VERSION``).
"""

from __future__ import annotations

import re
import sys
from array import array
from collections.abc import Callable, Iterator
from itertools import accumulate
from operator import sub
from typing import Any

from whoosh import formats
from whoosh.analysis.analyzers import CompositeAnalyzer
from whoosh.analysis.filters import LowercaseFilter, StopFilter
from whoosh.analysis.morph import StemFilter
from whoosh.analysis.tokenizers import RegexTokenizer
from whoosh.system import pack_uint, unpack_uint

from gdexplorer.search.analysis import LongWordFilter

Plan = tuple[Any, int, frozenset[str], int, int | None, bool, Callable[[str], str], frozenset[str]]

_plans: dict[int, tuple[Any, Plan | None]] = {}
_stems: dict[Callable[[str], str], dict[str, str]] = {}  # per stemming function: word -> stem


def _plan(analyzer: Any) -> Plan | None:
    """The parameters of a tokenizer | long words | lowercase | stop | stem chain, or None for anything else."""
    found = _plans.get(id(analyzer))
    if found is not None and found[0] is analyzer:
        return found[1]
    plan = None
    items = getattr(analyzer, "items", None)
    if isinstance(analyzer, CompositeAnalyzer) and items is not None and [type(i) for i in items] == [
        RegexTokenizer, LongWordFilter, LowercaseFilter, StopFilter, StemFilter,
    ]:
        tokenizer, cut, _, stop, stem = items
        stemfn = getattr(stem, "stemfn", None)
        if not tokenizer.gaps and not getattr(stem, "lang", None) and stemfn is not None:
            plan = (tokenizer.expression, cut.size, stop.stops, stop.min, stop.max, stop.renumber, stemfn,
                    frozenset(stem.ignore or ()))
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


class FastPositions(formats.Positions):
    """``Positions`` whose ``word_values`` runs a plain stemming analyzer without token objects,
    and whose values are packed arrays (see the module's docstring)."""

    def encode(self, poslist: list[int]) -> bytes:
        return pack_positions(poslist)

    def decode_positions(self, valuestring: bytes) -> list[int]:
        return unpack_positions(valuestring)

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[tuple[str, int, float, bytes]]:
        plan = _plan(analyzer) if isinstance(value, str) else None
        if plan is None:
            yield from super().word_values(value, analyzer, **kwargs)
            return
        expression, size, stops, minsize, maxsize, renumber, stemfn, ignore = plan
        stems = _stems.setdefault(stemfn, {})
        if len(stems) > 200_000:
            stems.clear()
        poses: dict[str, list[int]] = {}
        # First as whole words; a word longer than the cap (rare: a pasted blob) means counting
        # again with the long words cut into pieces. Lower-casing never shortens a word, so the
        # first pass sees every word that needs cutting.
        for cut in (False, True):
            words: Iterator[str] = (_pieces(expression, value, size) if cut
                                    else map(re.Match.group, expression.finditer(value)))
            too_long = sys.maxsize if cut else size
            limit = min(too_long, sys.maxsize if maxsize is None else maxsize)
            poses = {}
            pos: int | None = None
            for index, raw in enumerate(words):
                word = raw.lower()
                length = len(word)
                if length < minsize or length > limit or word in stops:
                    if length > too_long:
                        break
                    continue
                # StopFilter's renumbering: the first kept word keeps its place, the next ones follow it.
                if not renumber or pos is None:
                    pos = index
                else:
                    pos += 1
                stem = word if word in ignore else stems.get(word)
                if stem is None:
                    stem = stems[word] = stemfn(word)
                found = poses.get(stem)
                if found is None:
                    poses[stem] = [pos]
                else:
                    found.append(pos)
            else:
                break  # no word was too long
        boost = self.field_boost
        single = _SINGLE
        for word, positions in poses.items():
            if len(positions) == 1 and positions[0] < 0x100:
                yield (word, 1, boost, single[positions[0]])  # the usual case, without a call
            else:
                yield (word, len(positions), len(positions) * boost, pack_positions(positions))

