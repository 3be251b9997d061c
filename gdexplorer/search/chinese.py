"""Chinese text analysis for the index: jieba word segmentation behind a Whoosh analyzer.

jieba's own ``ChineseAnalyzer`` gives each token its *character* offset as its position, which
breaks phrase queries; this tokenizer numbers positions word by word and fills in the character
ranges that highlighting needs. Latin words in Chinese text are lower-cased and stemmed as in
English (Porter2), and words longer than 255 characters are cut into pieces as in English.

jieba's prefix dictionary (half a million words and their counts) is loaded on first use from our
own copy in the cache folder, in pieces. jieba's loader reads its cache with ``marshal.load``, and
the window's event loop, which needs the GIL to run any Python slot, froze for 0.1-0.4 s while a
worker thread did that: reading a file in small pieces releases and retakes the GIL at every read,
and a thread that keeps retaking it starves the others; a single ``marshal.loads`` of the whole
file would hold the GIL for 0.2 s instead. Without our copy (the first run, another jieba or
dictionary, a damaged file) the dictionary is built from jieba's dict.txt, read whole, by jieba's
own ``gen_pfdict``, and our copy is written for next time.
"""

from __future__ import annotations

import io
import json
import logging
import sys
import threading
import zlib
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from whoosh.analysis.analyzers import Analyzer
from whoosh.analysis.filters import LowercaseFilter
from whoosh.analysis.morph import StemFilter

from gdexplorer.files import atomic_write
from gdexplorer.paths import cache_dir
from gdexplorer.search.analysis import LongWordFilter, SpanTokenizer, english_stem

log = logging.getLogger(__name__)

# The file's first line; the second is a JSON header; then the pieces, each its words (UTF-8, joined
# by NUL, which no dictionary word holds) followed by their counts (native 64-bit integers).
PREFIX_DICT_MAGIC = b"gdexplorer jieba prefix dictionary 1\n"
# Words per piece: decoding one and adding it to the dictionary holds the GIL for a few ms.
PIECE_WORDS = 20_000

_initialized = False
_init_lock = threading.Lock()


def _jieba() -> Any:
    global _initialized
    import jieba

    if not _initialized:
        with _init_lock:
            if not _initialized:
                jieba.setLogLevel(logging.WARNING)
                initialize(jieba.dt, prefix_dict_path())
                _initialized = True
    return jieba


def prefix_dict_path(base: Path | None = None) -> Path:
    """Where our copy of jieba's prefix dictionary lives (in the cache folder: losing it costs a rebuild)."""
    return (base or cache_dir()) / "jieba" / "prefix-dict.bin"


def dictionary_key(tokenizer: Any) -> str | None:
    """What a copy of ``tokenizer``'s prefix dictionary must have been made from to be used.

    None when it is not jieba's default dictionary file (a custom one, or jieba installed as a zip):
    then jieba loads it its own way.
    """
    import jieba

    if tokenizer.dictionary != jieba.DEFAULT_DICT:
        return None
    source = Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME
    try:
        st = source.stat()
    except OSError:
        return None
    return f"jieba {jieba.__version__} {source} {st.st_size} {st.st_mtime_ns} {sys.byteorder}"


def initialize(tokenizer: Any, path: Path) -> None:
    """Give ``tokenizer`` (jieba's ``Tokenizer``) its prefix dictionary as its ``initialize()`` would.

    From our copy at ``path`` when it is whole and made from the same dictionary and jieba; otherwise
    built from the dictionary file, and the copy (re)written.
    """
    if tokenizer.initialized:
        return
    key = dictionary_key(tokenizer)
    if key is None:
        tokenizer.initialize()
        return
    loaded = load_prefix_dict(path, key)
    with tokenizer.lock:
        if tokenizer.initialized:  # another thread got there first (jieba.posseg, say)
            return
        if loaded is None:
            freq, total = _build(tokenizer)
        else:
            freq, total = loaded
        tokenizer.FREQ, tokenizer.total = freq, total
        tokenizer.initialized = True
    if loaded is None:
        save_prefix_dict(path, key, freq, total)


def _build(tokenizer: Any) -> tuple[dict[str, int], int]:
    """The prefix dictionary from jieba's dictionary file, by jieba's own ``gen_pfdict`` (as its
    ``initialize()`` does without a cache)."""
    with tokenizer.get_dict_file() as fh:
        data = fh.read()
        name = getattr(fh, "name", "jieba's dictionary")
    # Read whole first: iterating the file would release and retake the GIL at every 8 KB read,
    # and a thread that keeps retaking it starves the others (the UI thread waited 50-200 ms).
    lines = io.BytesIO(data)
    lines.name = name  # what gen_pfdict names in its error message
    freq: dict[str, int]
    freq, total = tokenizer.gen_pfdict(lines)
    return freq, total


def load_prefix_dict(path: Path, key: str) -> tuple[dict[str, int], int] | None:
    """The prefix dictionary and total count saved at ``path``; None (and why, logged) if absent,
    made from another dictionary or jieba, or damaged."""
    try:
        data = path.read_bytes()  # one read (see _build), then decoded a piece at a time
    except FileNotFoundError:
        return None
    except OSError as e:
        log.warning("cannot read jieba's dictionary cache %s (%s); building it again", path, e)
        return None
    try:
        return _parse(data, key)
    except _StaleError:
        log.info("%s was made from another jieba dictionary; building it again", path)
    except (ValueError, KeyError, TypeError, IndexError) as e:
        log.warning("%s: damaged jieba dictionary cache (%s); building it again from jieba's dictionary", path, e)
    return None


class _StaleError(Exception):
    pass


def _parse(data: bytes, key: str) -> tuple[dict[str, int], int]:
    if not data.startswith(PREFIX_DICT_MAGIC):
        raise ValueError("not a dictionary cache of this format")
    start = len(PREFIX_DICT_MAGIC)
    end = data.find(b"\n", start)
    if end < 0:
        raise ValueError("its header is cut short")
    header = json.loads(data[start:end])
    if header["key"] != key:
        raise _StaleError
    pieces: list[list[int]] = header["pieces"]
    expected = end + 1 + sum(text_len + counts_len for text_len, counts_len, _crc in pieces)
    if expected != len(data):
        raise ValueError(f"{len(data):,} bytes where its header says {expected:,}")
    view = memoryview(data)
    freq: dict[str, int] = {}
    at = end + 1
    for number, (text_len, counts_len, crc) in enumerate(pieces, 1):
        text, at = view[at:at + text_len], at + text_len
        packed, at = view[at:at + counts_len], at + counts_len
        if zlib.crc32(packed, zlib.crc32(text)) != crc:
            raise ValueError(f"piece {number} of {len(pieces)} fails its checksum")
        words = str(text, "utf-8").split("\0")
        counts = array("q")
        counts.frombytes(packed)
        if len(words) != len(counts):
            raise ValueError(f"piece {number} has {len(words):,} words and {len(counts):,} counts")
        freq.update(zip(words, counts, strict=True))
    if len(freq) != header["words"]:
        raise ValueError(f"{len(freq):,} words where its header says {header['words']:,}")
    total = header["total"]
    if not isinstance(total, int):
        raise TypeError("its total is not a number")
    return freq, total


def save_prefix_dict(path: Path, key: str, freq: dict[str, int], total: int) -> None:
    """Write our copy of a prefix dictionary (atomically; a failure is logged: next time builds it again)."""
    words = list(freq)
    counts = list(freq.values())
    header: dict[str, Any] = {"key": key, "total": total, "words": len(words), "pieces": []}
    parts: list[bytes] = []
    try:
        for i in range(0, len(words), PIECE_WORDS):
            piece = words[i:i + PIECE_WORDS]
            text = "\0".join(piece).encode("utf-8")
            if text.count(b"\0") != len(piece) - 1:
                log.info("a jieba dictionary word holds a NUL; not caching the dictionary")
                return
            packed = array("q", counts[i:i + PIECE_WORDS]).tobytes()
            header["pieces"].append([len(text), len(packed), zlib.crc32(packed, zlib.crc32(text))])
            parts += (text, packed)
        data = b"".join([PREFIX_DICT_MAGIC, json.dumps(header).encode("utf-8"), b"\n", *parts])
        atomic_write(path, data, durable=False)
    except (OSError, UnicodeError, OverflowError) as e:
        log.warning("cannot write jieba's dictionary cache %s (%s)", path, e)


class ChineseTokenizer(SpanTokenizer):
    """Segments text with jieba in "search" mode (words and the shorter words inside them)."""

    def spans(self, value: str) -> Iterator[tuple[str, int, int, int]]:
        pos = 0
        for word, start, end in _jieba().tokenize(value, mode="search"):
            if not word.strip() or not any(ch.isalnum() for ch in word):
                continue
            yield word, pos, start, end
            pos += 1


def chinese_analyzer() -> Analyzer:
    # Load the dictionary now, in the parent: the parallel index writers fork and then share it.
    _jieba()
    return ChineseTokenizer() | LongWordFilter() | LowercaseFilter() | StemFilter(stemfn=english_stem)
