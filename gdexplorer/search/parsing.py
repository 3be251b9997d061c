"""Whoosh's query parser, taught where phrases and CJK text are matched (see ``gdexplorer.search.analysis``).

- A "phrase" in ``title`` or ``body`` is matched in ``title_exact``/``body_exact``: its words as
  typed (not stemmed) at consecutive positions, so ``"US economy"`` is not "US economies".
- A word holding CJK characters (Han, kana) is a phrase of characters in the exact field: every
  article holding that substring, and no other. Whole-word matches rank first: when the stemmed
  field's analyzer (jieba, or the English tokenizer) makes one word of it, the articles where the
  stemmed field holds that word get ``WHOLE_WORD_SCORE``, and the word's BM25 on top.

Both are Whoosh's own extension points: a phrase plugin's node and ``term_query``.
"""

from __future__ import annotations

from typing import Any

from whoosh import qparser
from whoosh import query as wq
from whoosh.qparser.common import attach

from gdexplorer.search.analysis import EXACT_FIELDS, has_cjk

# Added to each article where a CJK run is found as the word(s) the stemmed field holds. More than
# any sum of BM25 contributions of its characters can reach (each is below idf * (K1 + 1), about 28
# at a million articles), so whole-word matches come first whatever the characters' frequencies.
WHOLE_WORD_SCORE = 1000.0
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})


def token_runs(field: Any, text: str) -> list[list[str]]:
    """The exact field's tokens of ``text``, cut where its positions leave a gap (CJK text broken
    by a space or punctuation): each run is one phrase."""
    runs: list[list[str]] = []
    last = None
    for token in field.tokenize(text, mode="query", positions=True):
        if last is None or token.pos != last + 1:
            runs.append([])
        runs[-1].append(token.text)
        last = token.pos
    return runs


def runs_query(fieldname: str, runs: list[list[str]], boost: float = 1.0, slop: int = 1) -> wq.Query:
    """Every run as a phrase (a one-token run as a term), all of them required."""
    parts: list[wq.Query] = [
        wq.Phrase(fieldname, run, slop=slop, boost=boost) if len(run) > 1 else wq.Term(fieldname, run[0], boost=boost)
        for run in runs
    ]
    if not parts:
        return wq.NullQuery
    return parts[0] if len(parts) == 1 else wq.And(parts)


class ExactPhrasePlugin(qparser.PhrasePlugin):
    """Whoosh's phrase syntax, matched on the exact form of a text field."""

    class PhraseNode(qparser.PhrasePlugin.PhraseNode):
        def query(self, parser: Any) -> wq.Query:
            name = self.fieldname or parser.fieldname
            exact = EXACT_FIELDS.get(name)
            if exact is None or parser.schema is None or exact not in parser.schema:
                return super().query(parser)
            runs = token_runs(parser.schema[exact], self.text)
            return attach(runs_query(exact, runs, boost=self.boost, slop=self.slop), self)

    class PhraseTagger(qparser.PhrasePlugin.PhraseTagger):
        def create(self, parser: Any, match: Any) -> Any:
            node = super().create(parser, match)
            return ExactPhrasePlugin.PhraseNode(node.text, node.textstartchar, node.slop)

    def taggers(self, parser: Any) -> list[tuple[Any, int]]:
        return [(self.PhraseTagger(self.expr), 0)]


class TextParser(qparser.QueryParser):
    """Words in ``title`` and ``body``, phrases in their exact forms, CJK runs as substrings."""

    def __init__(self, schema: Any) -> None:
        # What qparser.MultifieldParser (a function) builds, as a class to override term_query in.
        super().__init__(None, schema, group=qparser.AndGroup)
        self.add_plugin(qparser.MultifieldPlugin(["title", "body"]))
        self.remove_plugin_class(qparser.PhrasePlugin)
        self.add_plugin(ExactPhrasePlugin())

    def term_query(self, fieldname: str, text: str, termclass: Any, boost: float = 1.0, tokenize: bool = True,
                   removestops: bool = True) -> wq.Query | None:
        if text in _OPERATORS:
            # An operator with nothing to join ("AND" alone, "oil NOT" while typing): Whoosh leaves
            # it as a word, which, with no stop words, would match "and" or "not" in nearly every
            # article. It is no word to search for.
            return None
        exact = EXACT_FIELDS.get(fieldname)
        if (exact is None or termclass is not wq.Term or not tokenize or not has_cjk(text)
                or self.schema is None or exact not in self.schema):
            return super().term_query(fieldname, text, termclass, boost, tokenize, removestops)
        anywhere = runs_query(exact, token_runs(self.schema[exact], text), boost=boost)
        word = super().term_query(fieldname, text, termclass, boost, tokenize, removestops)
        if not isinstance(word, wq.Term):
            # Not one word of the stemmed field (jieba cut "中美" into 中 and 美): those words
            # anywhere in the article say nothing about the run, so nothing is ranked higher.
            return anywhere
        return wq.AndMaybe(anywhere, wq.Or([wq.ConstantScoreQuery(word, WHOLE_WORD_SCORE * boost), word]))
