"""What an index holds: its fields (the schema and its version), and each article's values for them.

The schema's version is stamped in each index's ``meta.json`` (``gdexplorer.search.index``): an index
of another version is rebuilt. What each text field's analyzer does is ``gdexplorer.search.analysis``'s.
"""

from __future__ import annotations

from whoosh import fields
from whoosh.analysis.analyzers import Analyzer
from whoosh.analysis.filters import LowercaseFilter
from whoosh.analysis.tokenizers import IDTokenizer

from gdexplorer.annotations.mentions import MentionMatcher
from gdexplorer.corpus.manifest import parse_date
from gdexplorer.corpus.reading import Corpus
from gdexplorer.corpus.scanning import FileStat
from gdexplorer.errors import CorpusError, Problem, Severity
from gdexplorer.model import ArticleInfo
from gdexplorer.search.analysis import english_analyzer, exact_analyzer, prefix_analyzer
from gdexplorer.search.copies import (
    DIGEST_FIELD,
    NEAR_FIELD,
    digest_field,
    near_column,
    near_keys,
    pack_keys,
    text_digest,
)
from gdexplorer.search.engine.positions import FastFrequency, FastPositions, doc_ids_only

SCHEMA_VERSION = 11  # 2: month field; 3: positions packed; 4: analysers moved to gdexplorer.search (pickled by path);
# 5: a text digest per article (copies collapse into one hit); mentions respect punctuation;
# 6: words longer than 255 characters indexed as pieces (gdexplorer.search.analysis);
# 7: no stop words, Porter2, title/body without positions, title_exact/body_exact (exact words, CJK characters);
# 8: prefix (the first 1-3 letters of every word: short prefixes are one posting list);
# 9: documents of other formats: format and site fields, stored with url and byline;
# 10: near (keys of near copies: an article with one sentence more, less or changed), a column
# 11: posting blocks in our own format, raw little-endian arrays (gdexplorer.search.engine.codec)


def analyzer_for(language: str) -> Analyzer:
    """The analyzer of the ranked (stemmed) text fields for a corpus language ('en' or 'zh')."""
    if language == "zh":
        from gdexplorer.search.chinese import chinese_analyzer

        return chinese_analyzer()
    return english_analyzer()


def make_schema(language: str) -> fields.Schema:
    """The fields of an index; what each text field holds is in ``gdexplorer.search.analysis``."""
    text = analyzer_for(language)
    exact = exact_analyzer()
    schema = fields.Schema(
        path=fields.ID(stored=True, unique=True),
        title=fields.TEXT(stored=True, analyzer=text, field_boost=2.0, phrase=False),
        # Bodies are not stored: snippets are cut from the article file for the visible hits only,
        # which keeps the index small and the writer fast.
        body=fields.TEXT(analyzer=text, phrase=False),
        title_exact=fields.TEXT(analyzer=exact, field_boost=2.0, phrase=True),
        body_exact=fields.TEXT(analyzer=exact, phrase=True),
        # Doc ids only: a short prefix matches with a constant score, as Whoosh's Prefix does.
        prefix=fields.KEYWORD(analyzer=prefix_analyzer(), scorable=False),
        category=fields.ID(stored=True, sortable=True, analyzer=IDTokenizer() | LowercaseFilter()),
        date=fields.DATETIME(stored=True, sortable=True),
        month=fields.ID(sortable=True),  # "YYYY-MM": facet counts for the timeline
        format=fields.ID(sortable=True),  # "html", "pdf"... ("text" for the corpus's own articles)
        site=fields.ID(sortable=True, analyzer=IDTokenizer() | LowercaseFilter()),
        entity=fields.KEYWORD(stored=True, lowercase=True, commas=True, scorable=False),
        sig=fields.STORED(),
        info=fields.STORED(),
    )
    schema.add(DIGEST_FIELD, digest_field())
    schema.add(NEAR_FIELD, near_column())
    # Same postings as Whoosh's Frequency and Positions, analysed in one loop (see
    # gdexplorer.search.engine.positions); positions packed for phrases over whole posting lists.
    for name in ("title", "body"):
        schema[name].format = FastFrequency(field_boost=schema[name].format.field_boost)
    for name in ("title_exact", "body_exact"):
        schema[name].format = FastPositions(field_boost=schema[name].format.field_boost)
    schema["prefix"].format = doc_ids_only()
    return schema


def detect_language(corpus: Corpus, files: dict[str, FileStat], sample: int = 40) -> str:
    """'zh' when the sampled articles are mostly CJK characters, else 'en'."""
    ids = sorted(files)
    step = max(1, len(ids) // sample)
    cjk = letters = 0
    for article_id in ids[::step][:sample]:
        try:
            text = corpus.read(article_id).text[:2000]
        except CorpusError:
            continue
        for ch in text:
            if ch.isalpha():
                letters += 1
                if "\u3400" <= ch <= "\u9fff":
                    cjk += 1
    return "zh" if letters and cjk / letters > 0.3 else "en"


def info_from_stored(stored: dict[str, object]) -> ArticleInfo:
    extra = stored.get("info") or {}
    assert isinstance(extra, dict)
    return ArticleInfo(
        id=str(stored["path"]),
        title=str(stored.get("title") or ""),
        category=extra.get("category"),
        date=extra.get("date"),
        url=extra.get("url"),
        source=extra.get("source"),
        byline=extra.get("byline"),
        format=extra.get("format"),
        site=extra.get("site"),
    )


def document_fields(corpus: Corpus, stat: FileStat, matcher: MentionMatcher,
                    fact_articles: dict[str, tuple[str, ...]], sig: str,
                    problems: list[Problem]) -> dict[str, object] | None:
    """The values of one article's index fields, or None (with a problem) when it cannot be read."""
    try:
        article, found = corpus.read_checked(stat.id)
    except CorpusError as e:
        problems.append(Problem(e.path, e.line, e.column, e.message, Severity.WARNING))
        return None
    problems.extend(found)
    info = article.info
    entities = dict.fromkeys(matcher.find(article.text))
    entities.update(dict.fromkeys(fact_articles.get(stat.id, ())))
    doc: dict[str, object] = {
        "path": stat.id,
        "title": info.title,
        "body": article.body,
        "title_exact": info.title,
        "body_exact": article.body,
        "prefix": f"{info.title}\n{article.body}",
        "category": (info.category or "").lower() or None,
        "date": parse_date(info.date),
        "month": _month(info.date),
        "format": info.format or "text",
        "site": (info.site or "").lower() or None,
        "entity": ",".join(entities) or None,
        DIGEST_FIELD: text_digest(article.text),
        NEAR_FIELD: pack_keys(near_keys(article.text)) or None,
        "sig": sig,
        "info": {"category": info.category, "date": info.date, "url": info.url,
                 "source": info.source, "byline": info.byline, "format": info.format or "text",
                 "site": info.site},
    }
    return {k: v for k, v in doc.items() if v is not None}


def _month(date: str | None) -> str | None:
    parsed = parse_date(date)
    return f"{parsed.year:04}-{parsed.month:02}" if parsed else None
