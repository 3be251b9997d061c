"""What the server holds: its tables and indexes, and how a document's row is written."""

from __future__ import annotations

TABLES = """
CREATE TABLE IF NOT EXISTS gdx_corpus (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text UNIQUE NOT NULL,
    language text NOT NULL,
    schema_version integer NOT NULL,
    mentions text NOT NULL DEFAULT '',
    updated timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS gdx_document (
    corpus integer NOT NULL REFERENCES gdx_corpus (id) ON DELETE CASCADE,
    path text NOT NULL,
    sig text NOT NULL,
    title text NOT NULL,
    info jsonb NOT NULL,
    category text,
    date timestamp,
    month text,
    format text,
    site text,
    entity text[] NOT NULL DEFAULT '{}',
    digest bigint,
    title_t tsvector NOT NULL,
    body_t tsvector NOT NULL,
    title_x tsvector NOT NULL,
    body_x tsvector NOT NULL,
    prefix_t tsvector NOT NULL,
    PRIMARY KEY (corpus, path)
);
-- Added by 1001: the keys two near copies share one of (gdexplorer.search.copies.near_keys).
ALTER TABLE gdx_document ADD COLUMN IF NOT EXISTS near bigint[] NOT NULL DEFAULT '{}';
-- Added by 1003: a hash of the article file's bytes, for a file whose stat changed but not its bytes.
ALTER TABLE gdx_document ADD COLUMN IF NOT EXISTS content bytea;
CREATE INDEX IF NOT EXISTS gdx_document_title_t ON gdx_document USING gin (title_t);
CREATE INDEX IF NOT EXISTS gdx_document_body_t ON gdx_document USING gin (body_t);
CREATE INDEX IF NOT EXISTS gdx_document_title_x ON gdx_document USING gin (title_x);
CREATE INDEX IF NOT EXISTS gdx_document_body_x ON gdx_document USING gin (body_x);
CREATE INDEX IF NOT EXISTS gdx_document_prefix_t ON gdx_document USING gin (prefix_t);
CREATE INDEX IF NOT EXISTS gdx_document_entity ON gdx_document USING gin (entity);
CREATE INDEX IF NOT EXISTS gdx_document_date ON gdx_document (corpus, date);
-- The words of the text fields and how many documents hold each: for fuzzy words (word~), as
-- Whoosh does, the words sharing the typed prefix are read in order ("C": byte order, so a prefix
-- is a range) and measured here; for "Did you mean", the words near a misspelt one and their counts.
-- A word whose documents are all gone stays with df 0: it only widens an OR by a word that matches nothing.
CREATE TABLE IF NOT EXISTS gdx_word (
    corpus integer NOT NULL REFERENCES gdx_corpus (id) ON DELETE CASCADE,
    field text NOT NULL,
    word text COLLATE "C" NOT NULL,
    PRIMARY KEY (corpus, field, word)
);
ALTER TABLE gdx_word ADD COLUMN IF NOT EXISTS df integer NOT NULL DEFAULT 0;
-- Texts joined by near copies (those sharing a near key, transitively): each text's digest and its
-- group's (the smallest digest in it). A search groups hits by coalesce(grp, digest), as the
-- embedded index groups them by its near-copy pairs. Found again by each update that changes anything.
CREATE TABLE IF NOT EXISTS gdx_near (
    corpus integer NOT NULL REFERENCES gdx_corpus (id) ON DELETE CASCADE,
    digest bigint NOT NULL,
    grp bigint NOT NULL,
    PRIMARY KEY (corpus, digest)
);
"""
# A document's row, in the order ``rows.document_row`` gives its values.
COLUMNS = ("corpus, path, sig, title, info, category, date, month, format, site, entity, digest, near,"
            " title_t, body_t, title_x, body_x, prefix_t, content")
UPSERT = (
    f"INSERT INTO gdx_document ({COLUMNS})"
    " VALUES (%s, %s, %s, %s, %s::jsonb, %s, %s, %s, %s, %s, %s, %s, %s,"
    " %s::tsvector, %s::tsvector, %s::tsvector, %s::tsvector, %s::tsvector, %s)"
    " ON CONFLICT (corpus, path) DO UPDATE SET sig = EXCLUDED.sig, title = EXCLUDED.title,"
    " info = EXCLUDED.info, category = EXCLUDED.category, date = EXCLUDED.date, month = EXCLUDED.month,"
    " format = EXCLUDED.format, site = EXCLUDED.site, entity = EXCLUDED.entity, digest = EXCLUDED.digest,"
    " near = EXCLUDED.near, title_t = EXCLUDED.title_t, body_t = EXCLUDED.body_t, title_x = EXCLUDED.title_x,"
    " body_x = EXCLUDED.body_x, prefix_t = EXCLUDED.prefix_t, content = EXCLUDED.content")
GIN_INDEXES = ("gdx_document_title_t", "gdx_document_body_t", "gdx_document_title_x", "gdx_document_body_x",
               "gdx_document_prefix_t", "gdx_document_entity")
# The fields whose words are kept with their frequencies: fuzzy terms expand over the ranked ones,
# "Did you mean" looks in the exact ones (and, for Chinese, in the segmented body).
WORD_FIELDS = {"title": "title_t", "body": "body_t", "title_exact": "title_x", "body_exact": "body_x"}
