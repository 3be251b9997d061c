"""What the ``gdexplorer`` subcommands print: results, entities and suggestions as text or as JSON.

The JSON shapes are the commands' interface to scripts (``search --json``, ``--batch``, ``entity
--json``...): change them only by adding keys.
"""

from __future__ import annotations

import html
from typing import TextIO

from gdexplorer.model import Entity, EntityKind, Hit, SearchResult, Snippet


def print_facets(result: SearchResult, explorer, out: TextIO) -> None:
    facets = result.facets
    assert facets is not None
    print(f"\nFacets ({facets.seconds * 1000:.0f} ms)", file=out)
    if facets.categories:
        print("  category: " + ", ".join(f"{c} {n}" for c, n in facets.categories[:12]), file=out)
    if facets.years:
        print("  year:     " + ", ".join(f"{y} {n}" for y, n in facets.years), file=out)
    for kind, pairs in entity_facets(result, explorer).items():
        print(f"  {kind.plural.lower() + ':':<14}" + ", ".join(f"{name} {n}" for _, name, n in pairs), file=out)


def entity_facets(result: SearchResult, explorer, top: int = 8) -> dict[EntityKind, list[tuple[str, str, int]]]:
    """The entity counts of a result grouped by type, the top few of each: (id, name, count)."""
    grouped: dict[EntityKind, list[tuple[str, str, int]]] = {}
    if result.facets is None:
        return grouped
    for entity_id, n in result.facets.entities:
        entity = explorer.entities_by_id().get(entity_id)
        if entity is None:
            continue
        bucket = grouped.setdefault(entity.kind, [])
        if len(bucket) < top:
            bucket.append((entity_id, entity.name, n))
    return {k: grouped[k] for k in EntityKind if k in grouped}


def snippet_html(snippet: Snippet) -> str:
    """HTML-escaped snippet text with matches in ``<mark>`` (as JSON output carries it)."""
    return "".join(f"<mark>{html.escape(s.text)}</mark>" if s.match else html.escape(s.text) for s in snippet)


def result_json(result: SearchResult, explorer=None) -> dict[str, object]:
    out: dict[str, object] = {
        "query": result.query,
        "total": result.total,
        "took_ms": round(result.took_ms, 2),
        "hits": [hit_json(h) for h in result.hits],
    }
    if result.filters:
        out["filters"] = list(result.filters)
    if result.partial:
        out["partial"] = True
    if result.collapsed:
        out["collapsed"] = result.collapsed  # matching articles not in "total": copies named by a hit
    out["did_you_mean"] = result.did_you_mean
    if result.facets is not None:
        out["facets"] = {
            "category": dict(result.facets.categories),
            "year": dict(result.facets.years),
            "month": dict(result.facets.months),
            "entity": {
                kind.value: [{"id": i, "name": name, "count": n} for i, name, n in pairs]
                for kind, pairs in entity_facets(result, explorer).items()
            } if explorer is not None else dict(result.facets.entities),
            "took_ms": round(result.facets.seconds * 1000, 2),
        }
    return out


def hit_json(hit: Hit) -> dict[str, object]:
    out: dict[str, object] = {
        "path": hit.path,
        "title": hit.info.title,
        "score": round(hit.score, 4),
        "snippet": snippet_html(hit.snippet),
        "date": hit.info.date,
        "url": hit.info.url,
        "byline": hit.info.byline,
        "site": hit.info.site,
        "format": hit.info.format or "text",
        "category": hit.info.category,
        "entities": list(hit.entities),
        "copies": list(hit.copies),  # the same text up to whitespace
        "near_copies": list(hit.near_copies),  # one sentence more, less or changed
    }
    if hit.page is not None:  # only paged documents (PDF): the page of the snippet's first match
        out["page"] = hit.page
    return out


def style(text: str, code: str, on: bool) -> str:
    return f"\033[{code}m{text}\033[0m" if on else text


def print_result(result: SearchResult, out: TextIO) -> None:
    color = out.isatty()
    shown = len(result.hits)
    notes = [f"showing {shown}"] if shown < result.total else []
    if result.collapsed:
        notes.append(f"{result.collapsed} duplicate{'s' if result.collapsed != 1 else ''} folded into their hits")
    print(f"{result.total} result{'s' if result.total != 1 else ''} for {result.query!r} "
          f"in {result.took_ms:.0f} ms" + (f" ({'; '.join(notes)})" if notes else ""), file=out)
    if result.did_you_mean:
        print(f"Did you mean: {result.did_you_mean}", file=out)
    for hit in result.hits:
        meta = " · ".join(x for x in (hit.info.date and hit.info.date[:10], hit.info.category,
                                      f"page {hit.page}" if hit.page is not None else None) if x)
        print(f"\n{hit.rank:>3}. {style(hit.info.title, '1', color)}" + (f"  ({meta})" if meta else ""), file=out)
        copy_notes = [copies_note(c, kind) for c, kind in ((hit.copies, ""), (hit.near_copies, "near ")) if c]
        print(f"     {hit.path}" + (f"  ({'; '.join(copy_notes)})" if copy_notes else ""), file=out)
        text = "".join(style(s.text, "1;33", color) if s.match else s.text for s in hit.snippet)
        if not color:
            text = "".join(f"[{s.text}]" if s.match else s.text for s in hit.snippet)
        if text:
            print(f"     {text}", file=out)


def copies_note(copies: tuple[str, ...], kind: str = "", shown: int = 3) -> str:
    """"+2 copies: a.txt, b.txt": the other articles with a hit's text (the first few); ``kind``
    "near " for its near copies ("+1 near copy: c.txt")."""
    names = ", ".join(copies[:shown]) + (f", … {len(copies) - shown} more" if len(copies) > shown else "")
    return f"+{len(copies)} {kind}{'copy' if len(copies) == 1 else 'copies'}: {names}"


def entity_json(explorer, entity: Entity) -> dict[str, object]:
    return {
        "id": entity.id,
        "name": entity.name,
        "type": entity.kind.value,
        "aliases": list(entity.aliases),
        "title": entity.title,
        "description": entity.description,
        "facts": [{"text": f.text, "article": f.article, "quote": f.quote} for f in entity.facts],
        "relations": [
            {"predicate": r.predicate, "object": r.object, "article": r.article, "quote": r.quote}
            for r in entity.relations
        ],
        "mentions": [info.id for info in explorer.mentions_of(entity.id)],
    }


def suggestion_json(suggested, examples: int = 3) -> dict[str, object]:
    return {"name": suggested.name, "type": suggested.kind.value, "aliases": list(suggested.aliases),
            "articles": suggested.articles, "count": suggested.count,
            "examples": [{"article": m.article, "sentence": m.sentence} for m in suggested.mentions[:examples]]}
