"""A parsed query (Whoosh's query objects) as an SQL condition over the server's columns.

The parser is the embedded index's own, and the server stores the same analysed tokens, so each
query node has an exact counterpart: a term is a ``tsquery`` lexeme, a phrase ``<->``, a prefix
``:*``, a date range a range over the ``date`` column, ``entity:`` an array containment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from psycopg import sql
from whoosh import query as wq

from gdexplorer.errors import QueryError

# Text fields and the tsvector column that holds each one's tokens.
TEXT_COLUMNS = {"title": "title_t", "body": "body_t", "title_exact": "title_x", "body_exact": "body_x",
                "prefix": "prefix_t"}
# Fields stored as one lowercased value per document.
VALUE_COLUMNS = {"category": "category", "month": "month", "format": "format", "site": "site", "path": "path"}
# What ranks a hit: the title counts twice, as in the embedded schema (field_boost=2.0).
RANKED = {"title": 2.0, "body": 1.0}


# (field, text, maxdist, prefix length) -> the field's words within that many edits.
WordLookup = Callable[[str, str, int, int], list[str]]


def lexeme(text: str) -> str:
    """``text`` quoted as one lexeme of a tsvector or tsquery literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


@dataclass
class Condition:
    """An SQL boolean expression with its parameters."""

    text: sql.Composable
    params: list[object] = field(default_factory=list)


def condition(query: wq.Query, words: WordLookup | None = None) -> Condition:
    """The SQL condition matching exactly the documents ``query`` matches; ``words`` expands fuzzy words."""
    return _Translator(words).node(query)


def ranked_terms(query: wq.Query) -> dict[str, list[str]]:
    """The words of the ranked fields that count toward a hit's score (those not under a NOT)."""
    found: dict[str, list[str]] = {name: [] for name in RANKED}
    for node in _positive(query):
        if isinstance(node, wq.Term) and node.fieldname in found:
            found[node.fieldname].append(str(node.text))
    return found


def _positive(query: wq.Query) -> Iterator[wq.Query]:
    if isinstance(query, wq.Not) or query is wq.NullQuery:
        return
    if isinstance(query, wq.AndNot):
        yield from _positive(query.a)
        return
    yield query
    for child in query.children():
        yield from _positive(child)


class _Translator:
    def __init__(self, words: WordLookup | None) -> None:
        self.words = words

    def node(self, q: wq.Query) -> Condition:
        if isinstance(q, wq.Every):
            return Condition(sql.SQL("TRUE"))
        if q is wq.NullQuery:
            return Condition(sql.SQL("FALSE"))
        if isinstance(q, wq.And):
            return self._join("AND", q.subqueries, empty="TRUE")
        if isinstance(q, wq.Or):
            return self._join("OR", q.subqueries, empty="FALSE")
        if isinstance(q, wq.Not):
            inner = self.node(q.query)
            return Condition(sql.SQL("NOT ({})").format(inner.text), inner.params)
        if isinstance(q, wq.AndNot):
            return self._join("AND", [q.a, wq.Not(q.b)], empty="TRUE")
        if isinstance(q, wq.AndMaybe):
            return self.node(q.a)  # the optional part only ranks
        if isinstance(q, wq.ConstantScoreQuery):
            return self.node(q.child)
        if isinstance(q, wq.DateRange):
            return self._date_range(q)
        if isinstance(q, wq.Phrase):
            column = self._text_column(q.fieldname)
            words = [lexeme(str(w)) for w in q.words]
            return self._tsquery(column, " <-> ".join(words))
        if isinstance(q, wq.FuzzyTerm):
            if self.words is None or q.fieldname not in ("title", "body"):
                raise QueryError("fuzzy words (word~) are searched in titles and bodies only")
            similar = self.words(q.fieldname, str(q.text), int(q.maxdist), int(q.prefixlength))
            if not similar:
                return Condition(sql.SQL("FALSE"))
            return self._tsquery(TEXT_COLUMNS[q.fieldname], " | ".join(lexeme(w) for w in similar))
        if isinstance(q, wq.Prefix):
            return self._tsquery(self._text_column(q.fieldname), lexeme(str(q.text)) + ":*")
        if isinstance(q, wq.Term):
            return self._term(q.fieldname, str(q.text))
        raise QueryError(f"this query is not supported on the server yet ({type(q).__name__})")

    def _join(self, op: str, children: list[wq.Query], empty: str) -> Condition:
        if not children:
            return Condition(sql.SQL(empty))
        if op == "OR" and all(isinstance(c, wq.Term) and c.fieldname == "path" for c in children):
            # A workbench set (tag:, starred:): one array, not thousands of ORs.
            return Condition(sql.SQL("path = ANY(%s)"), [[str(c.text) for c in children]])
        parts = [self.node(child) for child in children]
        text = sql.SQL(f" {op} ").join(sql.SQL("({})").format(p.text) for p in parts)
        return Condition(text, [param for p in parts for param in p.params])

    def _term(self, fieldname: str, text: str) -> Condition:
        if fieldname in TEXT_COLUMNS:
            return self._tsquery(TEXT_COLUMNS[fieldname], lexeme(text))
        if fieldname == "entity":
            return Condition(sql.SQL("entity @> ARRAY[%s]::text[]"), [text])
        if fieldname in VALUE_COLUMNS:
            return Condition(sql.SQL("{} = %s").format(sql.Identifier(VALUE_COLUMNS[fieldname])), [text])
        raise QueryError(f"the field {fieldname!r} cannot be searched on the server")

    def _text_column(self, fieldname: str) -> str:
        if fieldname not in TEXT_COLUMNS:
            raise QueryError(f"the field {fieldname!r} holds no text to search on the server")
        return TEXT_COLUMNS[fieldname]

    @staticmethod
    def _tsquery(column: str, literal: str) -> Condition:
        return Condition(sql.SQL("{} @@ %s::tsquery").format(sql.Identifier(column)), [literal])

    @staticmethod
    def _date_range(q: wq.DateRange) -> Condition:
        if q.fieldname != "date":
            raise QueryError(f"the field {q.fieldname!r} has no dates")
        parts: list[sql.Composable] = []
        params: list[object] = []
        if q.startdate is not None:
            parts.append(sql.SQL("date > %s" if q.startexcl else "date >= %s"))
            params.append(q.startdate)
        if q.enddate is not None:
            parts.append(sql.SQL("date < %s" if q.endexcl else "date <= %s"))
            params.append(q.enddate)
        if not parts:
            return Condition(sql.SQL("date IS NOT NULL"))
        return Condition(sql.SQL(" AND ").join(parts), params)
