"""Write a mixed folder of documents as a user saves them, from real corpus text (issue 17's 2,000).

    python benchmarks/mixed_folder.py OUT [--count 2000] [--corpora ../shared/corpora]

OUT (outside the repo; it must not exist yet) gets the saved news pages of en-html-news-pages as they
are, plus web pages, PDFs (two or three pages each), Word files, e-mails, an mbox and the corpus's own
``.txt`` articles written from BBC, Guardian and China Daily articles with the formats' own writers
(reportlab, python-docx, the standard library's email and mailbox). The window then opens OUT:
``python benchmarks/ui_stall.py OUT``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import mailbox
import shutil
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

DEFAULT_CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
# Shares of the folder after the saved pages, by format.
SHARES = (("html", 0.2), ("pdf", 0.2), ("docx", 0.2), ("eml", 0.15), ("mbox", 0.05), ("txt", 0.2))


def articles(corpora: Path) -> Iterator[tuple[str, list[str], dict[str, object]]]:
    """(headline, paragraphs, manifest record) of the English corpora's articles, round robin."""
    sources: list[tuple[Iterator[Path], dict[str, dict[str, object]]]] = []
    for name in ("en-bbc-news-2004-2005", "en-guardian-china-2007-2016", "en-chinadaily-opinion-2012-2019"):
        root = corpora / name
        records: dict[str, dict[str, object]] = {}
        manifest = root / "manifest.jsonl"
        if manifest.exists():
            for line in manifest.read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                records[record["file"]] = record
        sources.append((iter(sorted(root.glob("articles/**/*.txt"))), records))
    while sources:
        for files, records in list(sources):
            path = next(files, None)
            if path is None:
                sources.remove((files, records))
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            headline, _, body = text.partition("\n")
            paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
            if headline.strip() and paragraphs:
                record = records.get(str(path.relative_to(path.parents[2])), {})
                yield headline.strip(), paragraphs, record


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def html_page(headline: str, paragraphs: list[str], date: str, site: str) -> str:
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": headline,
                     "datePublished": date, "publisher": {"@type": "Organization", "name": site}})
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html lang="en"><head><title>{escape(headline)} - {site}</title>'
            f'<meta property="og:site_name" content="{site}"><script type="application/ld+json">{ld}</script>'
            '</head><body><nav><a href="/">Home</a> | <a href="/world">World</a></nav>'
            f"<article><h1>{escape(headline)}</h1>{body}</article>"
            "<footer>Copyright. All rights reserved. Privacy policy.</footer></body></html>")


def write_pdf(path: Path, headline: str, paragraphs: list[str]) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    style = getSampleStyleSheet()["Normal"]
    story: list[object] = [Paragraph(escape(headline), getSampleStyleSheet()["Title"])]
    third = max(1, len(paragraphs) // 3)
    for number, start in enumerate(range(0, len(paragraphs), third)):
        if number:
            story.append(PageBreak())
        story.extend(Paragraph(escape(p), style) for p in paragraphs[start : start + third])
    SimpleDocTemplate(str(path), title=headline, author="Desk", pagesize=A4).build(story)


def write_docx(path: Path, headline: str, paragraphs: list[str], date: dt.datetime) -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = headline
    document.core_properties.author = "Desk"
    document.core_properties.created = date
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.save(str(path))


def message(headline: str, paragraphs: list[str], date: dt.datetime, number: int) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = headline
    msg["From"] = f"Reporter {number % 17} <reporter{number % 17}@desk.example>"
    msg["To"] = "desk@newsroom.example"
    msg["Date"] = format_datetime(date)
    msg.set_content("\n\n".join(paragraphs))
    return msg


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    args = parser.parse_args(argv)
    if args.out.exists():
        parser.error(f"{args.out} exists; give a new folder")
    pages = sorted((args.corpora / "en-html-news-pages" / "pages").glob("*.html"))
    (args.out / "saved").mkdir(parents=True)
    for page in pages[: args.count]:
        shutil.copyfile(page, args.out / "saved" / page.name)
    rest = args.count - min(len(pages), args.count)
    quotas = {kind: int(rest * share) for kind, share in SHARES}
    quotas["txt"] += rest - sum(quotas.values())
    source = articles(args.corpora)
    written = {"saved html": min(len(pages), args.count)}
    box = None
    for kind, quota in quotas.items():
        folder = args.out / kind
        folder.mkdir()
        if kind == "mbox":
            box = mailbox.mbox(str(folder / "desk.mbox"))
        for number in range(quota):
            headline, paragraphs, record = next(source)
            day = dt.datetime(2010, 1, 1, 9, tzinfo=dt.UTC) + dt.timedelta(days=(number * 7919) % 3000)
            date = str(record.get("date") or day.isoformat())
            name = folder / f"{number:04d}"
            if kind == "html":
                name.with_suffix(".html").write_text(html_page(headline, paragraphs, date, "Desk News"),
                                                     encoding="utf-8")
            elif kind == "pdf":
                write_pdf(name.with_suffix(".pdf"), headline, paragraphs)
            elif kind == "docx":
                write_docx(name.with_suffix(".docx"), headline, paragraphs, day.replace(tzinfo=None))
            elif kind == "eml":
                name.with_suffix(".eml").write_bytes(bytes(message(headline, paragraphs, day, number)))
            elif kind == "mbox":
                assert box is not None
                box.add(message(headline, paragraphs, day, number))
            else:
                name.with_suffix(".txt").write_text(f"{headline}\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
        written[kind] = quota
    if box is not None:
        box.close()
    print(f"{args.out}: " + ", ".join(f"{n} {kind}" for kind, n in written.items()) + f" = {sum(written.values())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
