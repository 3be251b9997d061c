"""The shared index on a real PostgreSQL server: the same documents and totals as the embedded index."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from pathlib import Path

import pytest

from gdexplorer.errors import IndexBusyError, IndexMissingError, QueryError
from gdexplorer.explorer import Explorer
from gdexplorer.model import Progress, SearchResult
from gdexplorer.search.copies import near_keys
from gdexplorer.search.index import make_schema
from gdexplorer.search.server.connection import ServerError, connect, redact
from gdexplorer.search.server.rows import POSITIONS
from gdexplorer.search.server.store import SERVER_SCHEMA_VERSION, ServerIndex, tsvector
from gdexplorer.search.server.translate import TEXT_COLUMNS
from tests.core.test_near_copies import STORY
from tests.pgserver import PASSWORD, Server, running_server, standby_of

SEED_QUERIES = [
    "hydrogen", "fuel cell", '"fuel cell"', "gu*", "guang*", "title:ehang", "entity:ehang",
    "date:[2020 TO 2030]", "hydrogen OR evtol NOT car", "the", "category:technology", "NOT hydrogen",
    "(entity:ehang OR entity:tcl)", '"the development of"',
]
# Not yet through the server: the names the one door resolves before parsing ("entity:gac" is the
# entity whose id is "gac-group"), the workbench fields, and the window's prefix rewriting.


def fill(explorer: Explorer, url: str, name: str | None = None) -> ServerIndex:
    explorer.update_index()
    explorer.update_server(url, name)
    return ServerIndex(url, name or explorer.corpus_root.name)


_filled: dict[tuple[int, Path], str] = {}


def filled_once(pg_server: Server, explorer: Explorer) -> str:
    """The URL of a database of its own holding the explorer's corpus: filled once in the run for
    the tests that read it (a fill of BBC takes longer than most tests), never written again. Kept
    here, not only by the fixture: pytest sets a module's fixtures up again when it switches the
    parameter of a session fixture (the Chinese corpora) between two tests that use them."""
    import psycopg

    key = (pg_server.port, explorer.corpus_root)
    if key not in _filled:
        name = f"gdx_filled_{len(_filled)}"
        with psycopg.connect(pg_server.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        explorer.update_server(pg_server.url(name))
        _filled[key] = pg_server.url(name)
    return _filled[key]


@pytest.fixture(scope="module")
def bbc_on_server(pg_server: Server, bbc) -> str:
    return filled_once(pg_server, bbc[0])


@pytest.fixture(scope="module")
def chinese_on_server(pg_server: Server, chinese) -> str:
    return filled_once(pg_server, chinese[0])


def assert_same_totals(explorer: Explorer, server: ServerIndex, queries: list[str]) -> None:
    for text in queries:
        embedded = explorer.search(text, limit=10, collapse=False)
        total, hits = server.search(text, 10)
        assert total == embedded.total, text
        assert len(hits) == min(10, total), text
        if total <= 10:  # all of them: the same documents, whatever the order
            assert {h.path for h in hits} == {h.path for h in embedded.hits}, text


def test_the_seeds_give_the_embedded_index_totals_and_hits(seeds, pg_url):
    explorer = Explorer(seeds)
    server = fill(explorer, pg_url)
    assert_same_totals(explorer, server, SEED_QUERIES)
    total, hits = server.search("hydrogen", 10)
    assert total == len(hits) and hits[0].title and hits[0].info["date"] and hits[0].score > 0


@pytest.mark.slow
@pytest.mark.corpora
def test_bbc_totals_equal_the_embedded_index(bbc_on_server, bbc):
    explorer, _ = bbc
    server = ServerIndex(bbc_on_server, explorer.corpus_root.name)
    assert_same_totals(explorer, server, [
        "oil price", '"US economy"', '"the who"', "US", "will", "gu*", "chi*", "category:business",
        "blair OR brown NOT election", "title:iraq", "euro*", "goverment~", "econmy~ growth"])


@pytest.mark.slow
@pytest.mark.corpora
def test_chinese_substrings_equal_the_embedded_index(chinese_on_server, chinese):
    explorer, texts = chinese
    server = ServerIndex(chinese_on_server, explorer.corpus_root.name)
    # Single characters and runs that are not words, taken from the articles themselves.
    body = next(iter(texts.values()))[1]
    runs = [c for c in body if "\u4e00" <= c <= "\u9fff"][:40]
    queries = ["济", "经济发展", "北京 OR 上海", "title:中国", runs[0], "".join(runs[5:8]), "".join(runs[10:14])]
    assert_same_totals(explorer, server, queries)


def test_an_update_sends_only_what_changed(seeds, pg_url):
    explorer = Explorer(seeds)
    server = fill(explorer, pg_url)
    articles = sorted((seeds / "articles").glob("*.txt"))
    articles[0].write_text("Zeppelins over Shenzhen\n\nA zeppelin line opens.\n", encoding="utf-8")
    (seeds / "articles" / "new.txt").write_text("Airships\n\nZeppelin makers meet.\n", encoding="utf-8")
    explorer = Explorer(seeds)
    explorer.update_index()
    stats = explorer.update_server(pg_url)
    assert (stats.added, stats.updated, stats.unchanged) == (1, 1, len(articles) - 1)
    assert server.search("zeppelin", 10)[0] == 2
    (seeds / "articles" / "new.txt").unlink()
    explorer = Explorer(seeds)
    explorer.update_index()
    assert explorer.update_server(pg_url).deleted == 1
    assert_same_totals(explorer, server, ["zeppelin", "hydrogen"])


def test_a_document_too_large_for_the_server_is_left_out_with_a_problem_and_the_rest_is_written(seeds, pg_url):
    # Over 1 MB of distinct words: more than a tsvector holds. New documents are copied in (COPY)
    # by batches: the batch with this one is written again one by one.
    words = " ".join(f"w{i:06d}abcdefghijklmn" for i in range(50_000))
    (seeds / "articles" / "huge.txt").write_text(f"Huge\n\n{words}\n", encoding="utf-8")
    explorer = Explorer(seeds)
    stats = explorer.update_server(pg_url)
    assert [p.path for p in stats.problems if "too large" in p.message] == ["articles/huge.txt"]
    server = ServerIndex(pg_url, seeds.name)
    assert server.count("hydrogen") == 2
    assert server.article_count() == stats.added - 1


def test_a_copied_folder_sends_nothing_and_a_changed_file_is_still_seen(seeds, pg_url, tmp_path):
    """A copy of the folder elsewhere (new mtimes, ctimes and inodes; the same bytes) is the same
    corpus by its name: no document is read or sent again, only the new stats are kept; a file
    changed in the copy, even to the same size, is sent."""
    import psycopg

    first = Explorer(seeds).update_server(pg_url, "team")
    copy = tmp_path / "elsewhere" / seeds.name
    shutil.copytree(seeds, copy, copy_function=shutil.copyfile)  # the bytes only: new times
    article = sorted((copy / "articles").glob("*.txt"))[0]
    original = seeds / "articles" / article.name
    assert article.stat().st_mtime_ns != original.stat().st_mtime_ns
    seen: list[Progress] = []
    stats = Explorer(copy).update_server(pg_url, "team", progress=seen.append)
    assert (stats.added, stats.updated, stats.deleted, stats.unchanged) == (0, 0, 0, first.added)
    assert [p.total for p in seen if p.stage == "Indexing"] == [0]
    st = article.stat()
    with psycopg.connect(pg_url) as conn:
        sig = conn.execute("SELECT sig FROM gdx_document WHERE path = %s", [f"articles/{article.name}"]).fetchone()[0]
    assert sig.startswith(f"{st.st_mtime_ns}:{st.st_size}:{st.st_ctime_ns}:{st.st_ino}|")  # not hashed again

    text = article.read_text(encoding="utf-8")
    word = next(w for w in reversed(text.split()) if w.isalpha() and len(w) >= 6)  # in the body
    new = ("zeppelin" * 4)[:len(word)]
    at = text.rindex(word)
    article.write_text(text[:at] + new + text[at + len(word):], encoding="utf-8")
    assert article.stat().st_size == original.stat().st_size
    stats = Explorer(copy).update_server(pg_url, "team")
    assert (stats.added, stats.updated, stats.unchanged) == (0, 1, first.added - 1)
    assert ServerIndex(pg_url, "team").count(new) == 1


def test_corpora_live_side_by_side(seeds, pg_url, tmp_path):
    explorer = Explorer(seeds)
    first = fill(explorer, pg_url, "first")
    (seeds / "articles" / "extra.txt").write_text("Hydrogen\n\nMore hydrogen.\n", encoding="utf-8")
    second = fill(Explorer(seeds), pg_url, "second")
    assert second.count("hydrogen") == first.count("hydrogen") + 1
    assert ServerIndex(pg_url, "third").search("hydrogen", 10) == (0, [])


def test_readers_see_the_index_before_the_update_or_after_it_never_half(seeds, pg_url):
    explorer = Explorer(seeds)
    server = fill(explorer, pg_url)
    before = server.count("hydrogen")
    for i in range(250):  # more than one batch: some rows are written when the update pauses
        (seeds / "articles" / f"h{i}.txt").write_text(f"Hydrogen {i}\n\nHydrogen story {i}.\n", encoding="utf-8")
    midway, resume = threading.Event(), threading.Event()
    seen: list[int] = []

    def progress(p: Progress) -> None:
        if p.stage == "Indexing" and p.done >= 220 and not midway.is_set():
            midway.set()
            assert resume.wait(30)

    explorer = Explorer(seeds)
    explorer.update_index()
    writer = threading.Thread(target=lambda: explorer.update_server(pg_url, progress=progress))
    writer.start()
    assert midway.wait(30)
    seen.append(server.count("hydrogen"))
    with pytest.raises(IndexBusyError, match="already being updated"):
        Explorer(seeds).update_server(pg_url)
    resume.set()
    writer.join(30)
    assert seen == [before]
    assert server.count("hydrogen") == before + 250


def test_a_cancelled_update_leaves_the_index_as_it_was(seeds, pg_url):
    explorer = Explorer(seeds)
    server = fill(explorer, pg_url)
    for i in range(60):
        (seeds / "articles" / f"c{i}.txt").write_text(f"Comet {i}\n\nA comet.\n", encoding="utf-8")
    cancel = threading.Event()
    explorer = Explorer(seeds)
    explorer.update_index()

    def progress(p: Progress) -> None:
        if p.done >= 50:
            cancel.set()

    stats = explorer.update_server(pg_url, progress=progress, cancel=cancel)
    assert stats.cancelled
    assert server.count("comet") == 0
    assert explorer.update_server(pg_url).added == 60


def test_fuzzy_words_expand_over_the_same_words(seeds, pg_url):
    explorer = Explorer(seeds)
    server = fill(explorer, pg_url)
    assert_same_totals(explorer, server, ["hydorgen~", "hydrgen~2", "guangdog~ vehicle~", "title:guangdong~",
                                          "zzyzx~"])
    assert server.count("hydorgen~") > 0
    with pytest.raises(QueryError, match="titles and bodies"):
        server.search("category:technolgy~", 10)


@pytest.mark.parametrize(("change", "expected"), [
    ({"password": "wrong"}, "password authentication failed"),
    ({"database": "missing_db"}, 'database "missing_db" does not exist'),
])
def test_a_refused_connection_says_why_without_the_password(pg_server: Server, change, expected):
    url = pg_server.url(**change)
    with pytest.raises(ServerError) as caught:
        connect(url)
    message = str(caught.value)
    assert expected in message and f"127.0.0.1:{pg_server.port}" in message
    assert PASSWORD not in message and "wrong" not in message.replace("(wrong password?)", "")


def test_a_server_that_is_not_there(pg_server: Server):
    url = pg_server.url().replace(f":{pg_server.port}/", ":1/")
    with pytest.raises(ServerError, match=r"cannot connect to 127\.0\.0\.1:1/postgres: .*refused"):
        connect(url)


def test_passwords_never_show():
    assert redact("postgresql://ann:s3cret@db.example:5432/news") == "postgresql://ann:***@db.example:5432/news"
    assert redact("host=db password=s3cret dbname=news") == "host=db password=*** dbname=news"
    assert redact("host=db password='s 3 cret' dbname=news") == "host=db password=*** dbname=news"
    assert "s3cret" not in str(ServerError(redact("x postgresql://a:s3cret@h/db")))


def test_the_fixture_server_speaks_for_real(pg_url):
    conn = connect(pg_url)
    try:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        conn.close()
    assert Path(__file__).exists()


def test_the_one_door_searches_the_server_as_it_searches_the_embedded_index(seeds, pg_url):
    embedded = Explorer(seeds)
    embedded.update_index()
    shared = Explorer(seeds, server=pg_url)
    assert shared.serves_shared_index and not shared.index_ready()
    with pytest.raises(IndexMissingError, match=r"not on 127\.0\.0\.1:.* yet"):
        shared.search("hydrogen")
    assert shared.update_index().added == shared.article_count() == embedded.article_count()
    for text, filters in [("hydrogen", ()), ("gu*", ()), ('"fuel cell"', ()), ("", ("entity:ehang",)),
                          ("development", ("date:[2024 TO 2025]",))]:
        a = embedded.search(text, filters=filters, facets=True)
        b = shared.search(text, filters=filters, facets=True)
        assert (b.total, b.collapsed, b.filters) == (a.total, a.collapsed, a.filters), text
        assert {h.path for h in b.hits} == {h.path for h in a.hits}, text
        assert b.facets is not None and a.facets is not None
        assert (b.facets.categories, b.facets.months, sorted(b.facets.entities)) == (
            a.facets.categories, a.facets.months, sorted(a.facets.entities)), text
    hit = shared.search("hydrogen").hits[0]
    assert any(segment.match for segment in hit.snippet), "a snippet with the word marked, cut from the file"


def test_the_cli_fills_and_searches_the_server_without_showing_the_password(seeds, pg_url, capsys):
    from gdexplorer.cli import main

    assert main(["search", "hydrogen", "--corpus", str(seeds), "--server", pg_url]) == 1
    assert "fill it with `gdexplorer index --server URL`" in capsys.readouterr().err
    assert main(["index", "--corpus", str(seeds), "--server", pg_url]) == 0
    out, err = capsys.readouterr()
    assert "2 added" in out and PASSWORD not in out + err
    assert main(["search", "hydrogen", "--corpus", str(seeds), "--server", pg_url, "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["total"] == 2 and PASSWORD not in out + err
    wrong = pg_url.replace(PASSWORD, "not-it")
    assert main(["search", "hydrogen", "--corpus", str(seeds), "--server", wrong]) == 1
    err = capsys.readouterr().err
    assert "password authentication failed" in err and "not-it" not in err


def test_the_server_comes_from_the_environment(seeds, pg_url, capsys, monkeypatch):
    from gdexplorer.cli import main

    monkeypatch.setenv("GDEXPLORER_SERVER", pg_url)
    assert main(["index", "--corpus", str(seeds)]) == 0
    capsys.readouterr()
    assert main(["search", "fuel cell", "--corpus", str(seeds), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == 2


def test_a_restarted_server_is_reconnected_to(seeds):
    with running_server() as server:
        shared = Explorer(seeds, server=server.url())
        shared.update_index()
        assert shared.search("hydrogen").total == 2
        server.ctl("restart")  # the connection the explorer holds is gone
        assert shared.search("hydrogen").total == 2
        server.ctl("stop")
        with pytest.raises(ServerError, match=r"127\.0\.0\.1:\d+/postgres"):
            shared.search("hydrogen")
        server.ctl("start")
        assert shared.search("fuel cell").total == 2  # back without reopening anything


def test_reads_go_to_a_standby_and_go_on_when_the_primary_stops(seeds):
    with running_server() as primary, standby_of(primary) as standby:
        Explorer(seeds, server=primary.url()).update_index()  # committed on the standby too (remote_apply)
        hosts = f"127.0.0.1:{primary.port},127.0.0.1:{standby.port}"
        shared = Explorer(seeds, server=f"postgresql://postgres:{PASSWORD}@{hosts}/postgres"
                                        "?target_session_attrs=prefer-standby")
        assert shared.search("hydrogen").total == 2
        assert ServerIndex(f"postgresql://postgres:{PASSWORD}@{hosts}/postgres?target_session_attrs=prefer-standby",
                           seeds.name).role() == "standby"
        primary.ctl("stop")
        assert shared.search("hydrogen").total == 2
        assert shared.search('"fuel cell"').total == 1
        with pytest.raises(ServerError, match=r"updating the index|read-only|cannot connect"):
            (seeds / "articles" / "late.txt").write_text("Late\n\nHydrogen late.\n", encoding="utf-8")
            Explorer(seeds, server=f"postgresql://postgres:{PASSWORD}@{hosts}/postgres").update_index()


def test_a_rebuild_from_scratch_keeps_answering_with_the_old_documents(seeds, pg_url):
    explorer = Explorer(seeds)
    server = fill(explorer, pg_url)
    before = server.count("hydrogen")
    midway, resume = threading.Event(), threading.Event()

    def progress(p: Progress) -> None:
        if p.stage == "Indexing" and p.done >= 1 and not midway.is_set():
            midway.set()
            assert resume.wait(30)

    shared = Explorer(seeds, server=pg_url)
    shared.drop_index()  # `gdexplorer index --rebuild --server URL`
    writer = threading.Thread(target=lambda: shared.update_index(progress))
    writer.start()
    assert midway.wait(30)
    during = Explorer(seeds, server=pg_url).search("hydrogen").total
    resume.set()
    writer.join(30)
    assert during == before == server.count("hydrogen")


def test_entity_mentions_and_co_mentions_equal_the_embedded_index(seeds, pg_url):
    from gdexplorer.search.mentionindex import articles_mentioning, co_mentions, mention_counts, shared_articles

    explorer = Explorer(seeds)
    server = fill(explorer, pg_url)
    searcher = explorer._index.searcher()  # the embedded answers, straight from the index's own functions
    counts = mention_counts(searcher)
    assert counts and server.mention_counts() == {k.lower(): v for k, v in counts.items()}
    for entity_id in sorted(counts)[:12]:
        assert server.articles_mentioning(entity_id) == articles_mentioning(searcher, entity_id)
        assert server.co_mentions(entity_id) == sorted(co_mentions(searcher, entity_id), key=lambda p: (-p[1], p[0]))
        for other, _ in co_mentions(searcher, entity_id)[:3]:
            assert server.shared_articles(entity_id, other, 20) == shared_articles(searcher, entity_id, other, 20)
    article = sorted((seeds / "articles").glob("*.txt"))[0].relative_to(seeds).as_posix()
    assert sorted(server.entity_ids(article)) == sorted(e.id for e in explorer.entities_in(article))


def test_the_one_door_counts_mentions_on_the_server_as_in_the_embedded_index(seeds, pg_url):
    embedded = Explorer(seeds)
    fill(embedded, pg_url)
    counts = embedded.mention_counts()
    ids = [e for e, n in sorted(counts.items()) if n][:8]
    assert ids
    mentions = {e: embedded.mentions_of(e) for e in ids}
    networks = {e: embedded.network(e) for e in ids}
    articles = [a.relative_to(seeds).as_posix() for a in sorted((seeds / "articles").glob("*.txt"))]
    found = {a: sorted(e.id for e in embedded.entities_in(a)) for a in articles}
    assert any(found.values())
    (embedded.index_folder / "meta.json").unlink()  # the shared index must answer on its own
    shared = Explorer(seeds, server=pg_url)
    assert shared.mention_counts() == counts
    for entity_id in ids:
        assert shared.mentions_of(entity_id) == mentions[entity_id]
        ours, theirs = shared.network(entity_id), networks[entity_id]
        assert set(ours.edges) == set(theirs.edges) and set(ours.nodes) == set(theirs.nodes)
    assert {a: sorted(e.id for e in shared.entities_in(a)) for a in articles} == found


def test_an_index_filled_by_another_version_is_refused_then_refilled(seeds, pg_url):
    """A team on two versions: the other version's tokens would give wrong totals without a word."""
    import psycopg

    from gdexplorer.errors import IndexMissingError

    explorer = Explorer(seeds, server=pg_url)
    explorer.update_index()
    assert explorer.search("hydrogen").total == 2
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE gdx_corpus SET schema_version = 9 WHERE name = %s", [seeds.name])
    with pytest.raises(IndexMissingError, match=r"another version of gdexplorer \(schema 9; this one reads \d+\)"):
        explorer.search("hydrogen")
    assert explorer.update_index().rebuilt
    assert explorer.search("hydrogen").total == 2


# -- copies and near copies, "Did you mean", the server's own version ---------------------------


def copy_groups(result: SearchResult) -> dict[frozenset[str], tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """Each hit's group of articles (itself, its copies, its near copies) -> (hit, copies, near copies)."""
    return {frozenset((h.path, *h.copies, *h.near_copies)): (h.path, h.copies, h.near_copies) for h in result.hits}


def assert_same_copies(embedded: Explorer, shared: Explorer, text: str) -> int:
    """The same totals and the same groups of copies on both backends, over every hit; where both
    show a group by the same article, the same copies and near copies named. How many groups have
    near copies."""
    a = embedded.search(text, limit=5000, snippets=False, facets=not text)  # "" with facets: every article
    b = shared.search(text, limit=5000, snippets=False, facets=not text)
    assert (b.total, b.collapsed) == (a.total, a.collapsed), text
    ours, theirs = copy_groups(b), copy_groups(a)
    assert set(ours) == set(theirs), text
    # The ranking differs (ts_rank, not BM25F): a group may be shown by another of its articles.
    assert [ours[g] for g in ours if ours[g][0] == theirs[g][0]] == [theirs[g] for g in ours
                                                                     if ours[g][0] == theirs[g][0]], text
    return sum(1 for h in b.hits if h.near_copies)


@pytest.mark.slow
@pytest.mark.corpora
def test_bbc_copies_and_near_copies_equal_the_embedded_index(bbc_on_server, bbc):
    embedded, _ = bbc
    shared = Explorer(embedded.corpus_root, server=bbc_on_server)
    # Every article: the 98 exact duplicates and the 49 near pairs folded (149 articles in all).
    assert assert_same_copies(embedded, shared, "") == 49
    everything = shared.search("", limit=5000, snippets=False, facets=True)
    assert (everything.total, everything.collapsed) == (2225 - 149, 149)
    for text in ["blair", "music", "oil price", "category:sport"]:
        assert_same_copies(embedded, shared, text)
    newest = shared.search("", sort="newest", limit=5000, snippets=False, facets=True)
    assert set(copy_groups(newest)) == set(copy_groups(everything))


def test_near_copies_fold_on_the_server_and_follow_updates(seeds, pg_url):
    def write(name: str, text: str) -> None:
        (seeds / "articles" / name).write_text(text, encoding="utf-8")

    write("harbour.txt", STORY)
    write("harbour-copy.txt", STORY)
    write("harbour-retitled.txt", STORY.replace("Harbour lights return to the old port", "Old port lamps lit again"))
    embedded = Explorer(seeds)
    fill(embedded, pg_url)
    shared = Explorer(seeds, server=pg_url)
    hit = shared.search("harbour lamps").hits[0]
    assert (hit.path, hit.copies, hit.near_copies) == (
        "articles/harbour-copy.txt", ("articles/harbour.txt",), ("articles/harbour-retitled.txt",))
    assert_same_copies(embedded, shared, "harbour lamps")
    # A near copy rewritten beyond one sentence is a text of its own; a new one joins the group.
    write("harbour-retitled.txt", "Old port lamps lit again\n\nNothing else is the same in this one.")
    write("harbour-typo.txt", STORY.replace("three months", "three mounths"))
    embedded.update_index()
    embedded.update_server(pg_url)
    assert assert_same_copies(embedded, shared, "harbour") == 1
    assert shared.search("harbour lamps").hits[0].near_copies == ("articles/harbour-typo.txt",)
    assert shared.search("harbour lamps", collapse=False).total == 3  # each article on its own


def test_word_frequencies_follow_updates(seeds, pg_url):
    """"Did you mean" counts words per document: after changes and deletions, the server's counts are
    what a count of its documents' tokens gives."""
    import psycopg

    explorer = Explorer(seeds)
    fill(explorer, pg_url)
    articles = sorted((seeds / "articles").glob("*.txt"))
    articles[0].write_text("Hydrogen airships\n\nHydrogen airships over Guangdong.\n", encoding="utf-8")
    articles[1].unlink()
    (seeds / "articles" / "new.txt").write_text("Zeppelins\n\nZeppelin makers meet.\n", encoding="utf-8")
    explorer.update_index()
    explorer.update_server(pg_url)
    with psycopg.connect(pg_url) as conn:
        for field, column in [("body_exact", "body_x"), ("title", "title_t")]:
            kept = dict(conn.execute("SELECT word, df FROM gdx_word WHERE field = %s AND df <> 0", [field]).fetchall())
            counted = dict(conn.execute(f"SELECT word, ndoc FROM ts_stat('SELECT {column} FROM gdx_document')"))
            assert kept == counted and kept, field
    assert Explorer(seeds, server=pg_url).search("hydorgen").did_you_mean == "hydrogen"


def test_did_you_mean_on_the_seeds_equals_the_embedded_index(seeds, pg_url):
    embedded = Explorer(seeds)
    fill(embedded, pg_url)
    shared = Explorer(seeds, server=pg_url)
    queries = ["hydorgen", "hydrogne fuel", "Elecrtic", "title:hydorgen", '"hydorgen fuel"', "hydorgen*",
               "tcl OR hydorgen", "guangdogn devlopment", "hydrogen", "zeppelin", "entity:tcl", "hydro*", "gu",
               "NOT hydrogen"]
    offered = {q: shared.search(q).did_you_mean for q in queries}
    assert offered == {q: embedded.search(q).did_you_mean for q in queries}
    assert offered["hydorgen"] == "hydrogen" and offered["tcl OR hydorgen"] == "tcl OR hydrogen"
    assert shared.search("hydr", keystroke=True, time_limited=False).did_you_mean is None
    assert shared.search("hydorgen", keystroke=True, time_limited=False).did_you_mean == "hydrogen"
    assert shared.search("hydorgen", keystroke=True).did_you_mean is None  # not in the fast answer


def test_search_json_says_did_you_mean_from_the_server(seeds, pg_url, capsys):
    from gdexplorer.cli import main

    fill(Explorer(seeds), pg_url)
    assert main(["search", "hydorgen", "--corpus", str(seeds), "--server", pg_url, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["total"], data["did_you_mean"]) == (0, "hydrogen")


@pytest.mark.slow
@pytest.mark.corpora
def test_did_you_mean_on_bbc_equals_the_embedded_index(bbc_on_server, bbc):
    embedded, _ = bbc
    shared = Explorer(embedded.corpus_root, server=bbc_on_server)
    queries = ["definately", '"definately"', "minister OR ministers", "goverment economy", "Brittain"]
    offered = {q: shared.search(q, snippets=False).did_you_mean for q in queries}
    assert offered == {q: embedded.search(q, snippets=False).did_you_mean for q in queries}
    assert offered['"definately"'] == '"definitely"' and offered["minister OR ministers"] is None


@pytest.mark.slow
@pytest.mark.corpora
def test_did_you_mean_in_chinese_equals_the_embedded_index(chinese_on_server, chinese):
    embedded, _ = chinese
    shared = Explorer(embedded.corpus_root, server=chinese_on_server)
    for typed, meant in [("经济发宸", "经济发展"), ("中国经挤", "中国经济"), ("社会主乂", "社会主义")]:
        result = shared.search(typed, snippets=False)
        assert (result.total, result.did_you_mean) == (0, meant) == (0, embedded.search(typed).did_you_mean)
        assert shared.search(meant, snippets=False).did_you_mean is None


# The tokens the server holds for a sample of each language, and its near keys. When they change,
# every shared index must be filled again: bump SERVER_SCHEMA_VERSION, then this digest.
TOKENS = (1003, "f9ea7fb7ee64b16b")
SAMPLE = {"en": "Harbour lights: the O'Brien's e-mail, 3.5% of £1,200 — Ménard wrote \u201cdon\u2019t\u201d in 2024.\n\n"
                + STORY,
          "zh": "中国经济发展进入新常态。北京和上海的GDP增长了6.5%\uff0c社会主义现代化建设。"}


def test_the_server_version_changes_with_its_tokens():
    found = hashlib.sha256()
    for language, text in SAMPLE.items():
        schema = make_schema(language)
        for name in TEXT_COLUMNS:
            # Sorted: the prefix analyzer gives its words in a set's order (the tsvector is the same).
            stored = tsvector(schema[name].analyzer, text, positions=name in POSITIONS)
            found.update(" ".join(sorted(stored.split(" "))).encode())
        found.update(repr(near_keys(text)).encode())
    assert (SERVER_SCHEMA_VERSION, found.hexdigest()[:16]) == TOKENS, (
        "the server's tokens changed: bump SERVER_SCHEMA_VERSION (search/server/base.py) and this digest")


def test_a_server_filled_before_near_copies_is_brought_up_to_date(seeds, pg_url):
    """Tables made by the version before 1001 (no near keys, no word frequencies, no gdx_near, the
    embedded schema number): refused, then the next fill adds what is missing and rebuilds."""
    import psycopg

    (seeds / "articles" / "harbour.txt").write_text(STORY, encoding="utf-8")
    (seeds / "articles" / "harbour-typo.txt").write_text(STORY.replace("three months", "three mounths"),
                                                         encoding="utf-8")
    explorer = Explorer(seeds, server=pg_url)
    explorer.update_index()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP TABLE gdx_near")
        conn.execute("ALTER TABLE gdx_document DROP COLUMN near")
        conn.execute("ALTER TABLE gdx_word DROP COLUMN df")
        conn.execute("UPDATE gdx_corpus SET schema_version = 11")
    with pytest.raises(IndexMissingError, match=r"another version of gdexplorer \(schema 11; this one reads 10\d\d\)"):
        explorer.search("harbour")
    assert explorer.update_index().rebuilt
    result = explorer.search("harbour lamps")
    assert (result.total, result.hits[0].near_copies) == (1, ("articles/harbour.txt",))
    assert explorer.search("hydorgen").did_you_mean == "hydrogen"
