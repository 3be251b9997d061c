"""What Whoosh's query parser passes over in silence: an unclosed phrase or group, a field with no word.

Whoosh reads ``"unbalanced`` as the word ``unbalanced`` and ``title:(`` as the word ``title``, so a
typing slip became a search for something else, often "0 results" with no hint why. These checks
run before the parser and name the slip, as the other bad queries are named.
"""

from __future__ import annotations

import re

_PHRASE = re.compile(r'"[^"]*"')
# Whoosh's single-quoted literal term (qparser.plugins.SingleQuotePlugin.expr): brackets inside it
# are part of the term, e.g. an entity id.
_LITERAL = re.compile(r"(^|(?<=\W))'(?P<text>.*?)'(?=\s|\]|[)}]|$)")
_EMPTY_FIELD = re.compile(r"(?:^|[\s(])([A-Za-z_]\w*):(?=$|[\s)])")


def syntax_problem(text: str) -> str | None:
    """One sentence saying what is malformed in a query, or None if Whoosh can read it as meant."""
    quotes = text.count('"')
    if quotes % 2:
        after = text[text.rfind('"') + 1 :].strip()
        where = f' after "{after[:30]}' if after else ""
        return f"a phrase is never closed: add the closing '\"'{where}"
    rest = _without_quoted(text)
    depth = 0
    for ch in rest:
        if ch == "(":
            depth += 1
        elif ch == ")":
            if not depth:
                return "a ')' closes no group: there is no '(' before it"
            depth -= 1
    if depth:
        return "a group is never closed: add the closing ')'" if depth == 1 else \
            f"{depth} groups are never closed: add {depth} closing ')'"
    m = _EMPTY_FIELD.search(rest)
    if m:
        return f"'{m.group(1)}:' has nothing after it; give what to look for, e.g. {m.group(1)}:hydrogen"
    return None


def unfinished(text: str) -> bool:
    """A phrase or a group still open: what a query being typed looks like, not (yet) a mistake."""
    if text.count('"') % 2:
        return True
    rest = _without_quoted(text)
    return rest.count("(") > rest.count(")")


def _without_quoted(text: str) -> str:
    # A word in their place: the brackets inside are text, and 'title:"a b"' still has its word.
    return _LITERAL.sub("q", _PHRASE.sub("q", text))
