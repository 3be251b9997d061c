"""Search: the index on disk, queries, snippets and Chinese analysis, on Whoosh."""
