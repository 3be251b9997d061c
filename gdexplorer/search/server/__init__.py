"""The shared index on a PostgreSQL server: for a team that outgrows one desk.

The embedded Whoosh index stays the default. This package keeps the same documents in PostgreSQL
so that several analysts search one index: the text is analysed here, in the client, by the very
analyzers the embedded index uses, and stored as ``tsvector`` columns of those tokens (a position
each, as Whoosh keeps them). A parsed query (Whoosh's query objects, from the same parser) is
translated to SQL over those columns, so a word, a phrase, a prefix or a filter matches the same
documents on both backends.

Where PostgreSQL differs, on purpose and tested:
- ranking is ``ts_rank`` over the title (weighted x2) and body columns, not BM25F: the same hits,
  possibly in another order, and a group of copies possibly shown by another of its articles;
- a ``tsvector`` keeps positions up to 16,383 and 256 positions per word: a phrase that occurs
  only beyond word 16,383 of a document is not found there.
"""
