"""The benchmark's reference engines, set up as their best users would: tuned SQLite FTS5 and Tantivy.

- **FTS5**: ``fts5(title, body, tokenize='porter unicode61', prefix='2 3')`` with the rank set to
  ``bm25(2.0, 1.0)`` (title weighted 2x), so ``ORDER BY rank LIMIT 10`` is the top 10; category and date in
  an ordinary table ``meta`` with an index on each, joined by rowid; the total from a separate
  ``count(*)``; ``snippet()`` only for the 10 hits shown.
- **Tantivy** (``tantivy`` from PyPI, the ``bench`` extra only): title and body with the ``en_stem``
  tokenizer (no stop words), category as a raw string, date as a date field; the query parser with AND
  by default and the title boosted 2x; ``count=True`` for the total, a ``SnippetGenerator`` for the 10
  hits shown. Prefix words (``tele*``) become regex queries on the stemmed terms (the parser has no
  term prefix); fuzzy words (``goverment~``) use the parser's fuzzy fields (distance 1), as Whoosh does.

Only the standard library is imported at the top (tantivy where used): a fresh process that imports this
module to answer one query pays for sqlite3 and json, nothing more. ``python anchors.py fts5 DB QUERY``
(or ``tantivy DIR QUERY``) prints the top 10 with snippets, as ``gdexplorer search`` does.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LIMIT = 10


@dataclass(frozen=True, slots=True)
class AnchorQuery:
    """One query of the mix in the anchors' terms: an FTS5 MATCH (empty for a filter alone), an optional
    filter (``category=NAME`` or ``date=FIRST..LAST`` in years, both included), and the Whoosh text (for
    Tantivy's fuzzy terms)."""

    match: str
    filter: str
    whoosh: str = ""


@dataclass(frozen=True, slots=True)
class Article:
    file: str
    title: str
    body: str
    category: str
    date: str | None


@dataclass(frozen=True, slots=True)
class Answer:
    total: int
    hits: list[tuple[str, str]]  # (title, snippet)


def _years(spec: str) -> tuple[str, str]:
    first, _, last = spec.partition("..")
    return f"{int(first):04d}", f"{int(last) + 1:04d}"


# -- FTS5 --------------------------------------------------------------------------------------


def fts_build(articles: Iterable[Article], db: Path) -> int:
    db.unlink(missing_ok=True)
    con = sqlite3.connect(db)
    try:
        con.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='porter unicode61', prefix='2 3')")
        con.execute("INSERT INTO docs(docs, rank) VALUES('rank', 'bm25(2.0, 1.0)')")
        con.execute("CREATE TABLE meta(id INTEGER PRIMARY KEY, file TEXT, category TEXT, date TEXT)")
        count = 0
        with con:
            for a in articles:
                count += 1
                con.execute("INSERT INTO docs(rowid, title, body) VALUES (?, ?, ?)", (count, a.title, a.body))
                con.execute("INSERT INTO meta(id, file, category, date) VALUES (?, ?, ?, ?)",
                            (count, a.file, a.category, a.date))
        # The indexes after the bulk insert, as a bulk load does it.
        with con:
            con.execute("CREATE INDEX meta_category ON meta(category)")
            con.execute("CREATE INDEX meta_date ON meta(date)")
            con.execute("INSERT INTO docs(docs) VALUES('optimize')")
        con.execute("VACUUM")
    finally:
        con.close()
    return count


def _fts_where(spec: str) -> tuple[str, tuple[str, ...]]:
    if not spec:
        return "", ()
    name, _, value = spec.partition("=")
    if name == "category":
        return "meta.category = ?", (value.lower(),)
    if name == "date":
        return "meta.date >= ? AND meta.date < ?", _years(value)
    raise ValueError(f"unknown filter {spec!r} (category=NAME or date=FIRST..LAST)")


def fts_answer(con: sqlite3.Connection, q: AnchorQuery) -> Answer:
    where, params = _fts_where(q.filter)
    if q.match:
        join = " JOIN meta ON meta.id = docs.rowid" if where else ""
        cond = "docs MATCH ?" + (f" AND {where}" if where else "")
        args = (q.match, *params)
        total = con.execute(f"SELECT count(*) FROM docs{join} WHERE {cond}", args).fetchone()[0]
        top = [r[0] for r in con.execute(f"SELECT docs.rowid FROM docs{join} WHERE {cond} ORDER BY rank "
                                         f"LIMIT {LIMIT}", args)]
        shown = {r[0]: (r[1], r[2]) for r in con.execute(
            f"SELECT rowid, title, snippet(docs, 1, '[', ']', '…', 24) FROM docs WHERE docs MATCH ? "
            f"AND rowid IN ({','.join('?' * len(top))})", (q.match, *top))} if top else {}
    else:  # a filter alone: no rank, the start of the body instead of a snippet
        total = con.execute(f"SELECT count(*) FROM meta WHERE {where}", params).fetchone()[0]
        top = [r[0] for r in con.execute(f"SELECT id FROM meta WHERE {where} LIMIT {LIMIT}", params)]
        shown = {r[0]: (r[1], r[2]) for r in con.execute(
            f"SELECT rowid, title, substr(body, 1, 200) FROM docs WHERE rowid IN ({','.join('?' * len(top))})",
            top)} if top else {}
    return Answer(int(total), [shown[r] for r in top if r in shown])


def fts_search(db: Path, fresh: bool = False) -> Callable[[AnchorQuery], int]:
    """Answer queries on one connection; ``fresh``: a new connection per query (an empty page cache)."""
    kept = sqlite3.connect(db)

    def run(q: AnchorQuery) -> int:
        if not fresh:
            return fts_answer(kept, q).total
        con = sqlite3.connect(db)
        try:
            return fts_answer(con, q).total
        finally:
            con.close()

    return run


# -- Tantivy -----------------------------------------------------------------------------------


def tantivy_schema() -> Any:
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("title", stored=True, tokenizer_name="en_stem")
    sb.add_text_field("body", stored=True, tokenizer_name="en_stem")
    sb.add_text_field("category", stored=True, tokenizer_name="raw")
    sb.add_date_field("date", stored=True, indexed=True, fast=True)
    sb.add_text_field("file", stored=True, tokenizer_name="raw")
    return sb.build()


def tantivy_build(articles: Iterable[Article], folder: Path, threads: int) -> int:
    import shutil

    import tantivy

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    ix = tantivy.Index(tantivy_schema(), path=str(folder))
    writer = ix.writer(heap_size=256_000_000, num_threads=threads)
    count = 0
    for a in articles:
        fields: dict[str, Any] = {"title": a.title, "body": a.body, "category": a.category, "file": a.file}
        if a.date:
            fields["date"] = dt.datetime.fromisoformat(a.date[:10]).replace(tzinfo=dt.UTC)
        writer.add_document(tantivy.Document(**fields))
        count += 1
    writer.commit()
    writer.wait_merging_threads()
    return count


_PREFIX = re.compile(r"(?<![\w\"])(\w+)\*")


class TantivySearcher:
    def __init__(self, folder: Path) -> None:
        import tantivy

        self.t = tantivy
        self.ix = tantivy.Index.open(str(folder))
        self.schema = self.ix.schema
        self.searcher = self.ix.searcher()

    def query(self, q: AnchorQuery) -> Any:
        t = self.t
        fuzzy = q.whoosh.endswith("~")
        text = q.whoosh.rstrip("~") if fuzzy else q.match
        # The parser has no term prefix: each ``word*`` becomes a regex on the title or the body.
        prefixes = _PREFIX.findall(text)
        text = _PREFIX.sub(" ", text).strip()
        must = []
        if text:
            must.append(self.ix.parse_query(
                text, ["title", "body"], {"title": 2.0}, conjunction_by_default=True,
                fuzzy_fields={f: (False, 1, True) for f in ("title", "body")} if fuzzy else None))
        for word in prefixes:
            pattern = re.escape(word.lower()) + ".*"
            must.append(t.Query.boolean_query([(t.Occur.Should, t.Query.regex_query(self.schema, f, pattern))
                                               for f in ("title", "body")]))
        if q.filter:
            name, _, value = q.filter.partition("=")
            if name == "category":
                must.append(t.Query.term_query(self.schema, "category", value.lower()))
            else:
                first, last = _years(value)
                must.append(self.ix.parse_query(f"date:[{first}-01-01T00:00:00Z TO {last}-01-01T00:00:00Z}}"))
        return must[0] if len(must) == 1 else t.Query.boolean_query([(t.Occur.Must, m) for m in must])

    def answer(self, q: AnchorQuery) -> Answer:
        query = self.query(q)
        found = self.searcher.search(query, LIMIT, count=True)
        snippets = self.t.SnippetGenerator.create(self.searcher, query, self.schema, "body")
        hits = []
        for _score, address in found.hits:
            doc = self.searcher.doc(address)
            hits.append((doc["title"][0], snippets.snippet_from_doc(doc).to_html()))
        return Answer(int(found.count), hits)


def tantivy_search(folder: Path, fresh: bool = False) -> Callable[[AnchorQuery], int]:
    """Answer queries on one open index; ``fresh``: open the index again for every query."""
    kept = TantivySearcher(folder)

    def run(q: AnchorQuery) -> int:
        return (TantivySearcher(folder) if fresh else kept).answer(q).total

    return run


# -- a fresh process: one query, printed -------------------------------------------------------


def main(argv: list[str]) -> int:
    engine, path, spec = argv
    q = AnchorQuery(**json.loads(spec))
    if engine == "fts5":
        con = sqlite3.connect(path)
        answer = fts_answer(con, q)
    else:
        answer = TantivySearcher(Path(path)).answer(q)
    out = [f"{answer.total} matches"]
    for i, (title, snippet) in enumerate(answer.hits, start=1):
        out.append(f"{i:2}. {title}\n    {snippet}")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
