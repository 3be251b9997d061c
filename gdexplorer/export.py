"""Exports: search results as CSV or JSON, an entity dossier in Markdown, and citations."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Protocol

from gdexplorer.errors import CorpusError
from gdexplorer.model import Article, ArticleInfo, ArticleMarks, Entity, SearchResult


class Dossiers(Protocol):
    """What a dossier is written from (the explorer, seen from below)."""

    def entities_by_id(self) -> Mapping[str, Entity]: ...

    def article(self, article_id: str) -> Article: ...

    def relations_to(self, entity_id: str) -> list[tuple[Entity, str]]: ...

    def mentions_of(self, entity_id: str, limit: int | None = None) -> list[ArticleInfo]: ...

RESULT_COLUMNS = ("rank", "path", "title", "date", "category", "source", "url", "score", "snippet", "entities",
                  "copies", "byline", "site", "format", "starred", "tags", "note")

# The workbench's marks by article id (what a user starred, tagged and noted), for the export's columns.
MarksOf = Mapping[str, ArticleMarks]


def _snippet_text(result_hit) -> str:
    return "".join(s.text for s in result_hit.snippet)


def results_rows(result: SearchResult, marks: MarksOf | None = None) -> list[dict[str, object]]:
    marks = marks or {}
    empty = ArticleMarks("")
    return [
        {
            "rank": hit.rank,
            "path": hit.path,
            "title": hit.info.title,
            "date": hit.info.date or "",
            "category": hit.info.category or "",
            "source": hit.info.source or "",
            "url": hit.info.url or "",
            "score": round(hit.score, 4),
            "snippet": _snippet_text(hit),
            "entities": " ".join(hit.entities),
            # The other articles with this text (a search shows copies as one hit), space-separated.
            "copies": " ".join(hit.copies),
            "byline": hit.info.byline or "",
            "site": hit.info.site or "",
            "format": hit.info.format or "text",
            "starred": "yes" if marks.get(hit.path, empty).starred else "",
            "tags": " ".join(marks.get(hit.path, empty).tags),
            "note": marks.get(hit.path, empty).note,
        }
        for hit in result.hits
    ]


def results_csv(result: SearchResult, marks: MarksOf | None = None) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=RESULT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(results_rows(result, marks))
    return out.getvalue()


def results_json(result: SearchResult, marks: MarksOf | None = None) -> str:
    data = {
        "query": result.query,
        "filters": list(result.filters),
        "total": result.total,
        "collapsed": result.collapsed,
        "hits": results_rows(result, marks),
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def citation(info: ArticleInfo, quote: str | None = None) -> str:
    """A plain-text citation a journalist would paste: the quote, then where it comes from."""
    parts = [info.title]
    source = info.source or info.site or ""  # a document names its site; the manifest, its source
    if info.byline:
        source = f"{source} ({info.byline})" if source else info.byline
    if source:
        parts.append(source)
    if info.date:
        parts.append(info.date[:10])
    reference = ", ".join(parts) + "."
    if info.url:
        reference += f" {info.url}"
    else:
        reference += f" [{info.id}]"
    if quote:
        return f"“{' '.join(quote.split())}”\n— {reference}"
    return reference


def article_citation(article: Article, start: int, end: int) -> str:
    """Citation for a passage of an article selected by character range."""
    return citation(article.info, article.text[start:end])


def dossier_markdown(explorer: Dossiers, entity: Entity) -> str:
    """Everything known about an entity, with every fact quoted and sourced."""
    entities = explorer.entities_by_id()
    lines = [f"# {entity.name}", "", f"*{entity.kind.value}* · id `{entity.id}`"]
    if entity.title:
        lines += ["", entity.title]
    if entity.aliases:
        lines += ["", "Also known as: " + ", ".join(entity.aliases)]
    if entity.description:
        lines += ["", entity.description]

    def source(article_id: str) -> str:
        try:
            info = explorer.article(article_id).info
        except CorpusError:
            return f"`{article_id}`"
        when = f", {info.date[:10]}" if info.date else ""
        where = f", {info.source}" if info.source else ""
        return f"*{info.title}*{where}{when} (`{article_id}`)"

    if entity.facts:
        lines += ["", f"## Facts ({len(entity.facts)})", ""]
        for fact in entity.facts:
            lines.append(f"- {fact.text}")
            lines.append(f"  > “{' '.join(fact.quote.split())}”")
            lines.append(f"  — {source(fact.article)}")
    if entity.relations:
        lines += ["", f"## Relations ({len(entity.relations)})", ""]
        for rel in entity.relations:
            target = entities[rel.object].name if rel.object in entities else rel.object
            lines.append(f"- {rel.predicate} **{target}** — “{' '.join(rel.quote.split())}” ({source(rel.article)})")
    incoming = explorer.relations_to(entity.id)
    if incoming:
        lines += ["", f"## Referenced by ({len(incoming)})", ""]
        lines += [f"- **{subject.name}** {predicate} {entity.name}" for subject, predicate in incoming]
    mentions = explorer.mentions_of(entity.id)
    lines += ["", f"## Mentioned in {len(mentions)} article{'s' if len(mentions) != 1 else ''}", ""]
    for info in mentions:
        when = f" ({info.date[:10]})" if info.date else ""
        lines.append(f"- {info.title}{when} — `{info.id}`" + (f" <{info.url}>" if info.url else ""))
    return "\n".join(lines) + "\n"
