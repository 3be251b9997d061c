"""The reader's pages before an article: the corpus's welcome (examples to try, the search syntax)
and the page saying why a corpus or an article cannot be shown. HTML only, no widget."""

from __future__ import annotations

import html

from gdexplorer.gui.formatting import plural
from gdexplorer.gui.links import search_href


def welcome_html(name: str, articles: int, entities: int, examples: list[str], secondary: str,
                 indexing: bool) -> str:
    """The page shown before any article is opened."""
    rows = "".join(
        f"<tr><td style='padding:3px 14px 3px 0'><a href=\"{html.escape(search_href(q))}\">{html.escape(q)}</a></td>"
        f"<td style='color:{secondary}'>{html.escape(_explain(q))}</td></tr>"
        for q in examples
    )
    status = "Building the search index… you can already type." if indexing else ""
    counts = f"{plural(articles, 'article')} · {plural(entities, 'entity', 'entities')}" if articles else \
        plural(entities, "entity", "entities")
    syntax = [
        ("word other", "articles with both words"),
        ("this OR that", "either word; NOT excludes"),
        ('"exact phrase"', "words next to each other"),
        ("hydro*", "words starting with hydro"),
        ("goverment~", "words spelled about so"),
        ("title:guangdong", "in the headline"),
        ("date:[2010 TO 2012]", "published in that range"),
        ('entity:"GAC Group"', "articles naming an entity"),
    ]
    syntax_rows = "".join(
        f"<tr><td style='padding:2px 14px 2px 0'><code>{html.escape(q)}</code></td>"
        f"<td style='color:{secondary}'>{html.escape(what)}</td></tr>"
        for q, what in syntax
    )
    return (
        f"<div style='margin:18px'>"
        f"<p style='font-size:x-large; font-weight:600'>{html.escape(name)}</p>"
        f"<p style='color:{secondary}'>{html.escape(counts)}"
        f"{'<br>' + html.escape(status) if status else ''}</p>"
        + (f"<p style='font-weight:600; margin-top:18px'>Try</p><table>{rows}</table>" if rows else "")
        + f"<p style='font-weight:600; margin-top:18px'>Search syntax</p><table>{syntax_rows}</table>"
        f"<p style='color:{secondary}; margin-top:18px'>Ctrl+L search · Enter open · F3 next match · "
        f"Alt+← back · click a name to see what is known about it</p></div>"
    )


def _explain(query: str) -> str:
    if query.startswith("entity:"):
        return "articles that name this entity"
    if query.startswith('"'):
        return "this exact name"
    if query.endswith("*"):
        return "every word that starts so"
    return "a word in headline or body"


def error_html(title: str, message: str, color: str) -> str:
    return (f"<div style='margin:18px'><p style='font-size:large; font-weight:600'>{html.escape(title)}</p>"
            f"<p style='color:{color}'>{html.escape(message)}</p></div>")
