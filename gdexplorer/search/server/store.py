"""The documents of one corpus on the server: filled from the corpus, searched with parsed queries.

Tables are shared by every corpus on the server (``gdx_corpus``, ``gdx_document``); a corpus is
known by a name (its folder's name unless given), so two analysts opening copies of one folder at
different places search the same documents. An update runs in one transaction: readers see the
index before it or after it, never half of it. A transaction-scoped advisory lock per corpus makes
a second indexer fail at once with the embedded index's "busy" message.

The work is in these modules: ``base`` (the connection, the corpus's id and version), ``filling``
(the tables, the update), ``rows`` (a document's row, analysed here or in worker processes) and
``searching`` (queries, facets, entities, "Did you mean").
"""

from __future__ import annotations

from gdexplorer.search.server.base import SERVER_SCHEMA_VERSION
from gdexplorer.search.server.filling import BATCH, ServerFilling
from gdexplorer.search.server.rows import MAX_POSITION, MAX_POSITIONS_PER_WORD, tsvector
from gdexplorer.search.server.searching import ServerHit, ServerSearching
from gdexplorer.search.server.tables import WORD_FIELDS

__all__ = ["BATCH", "MAX_POSITION", "MAX_POSITIONS_PER_WORD", "SERVER_SCHEMA_VERSION", "WORD_FIELDS", "ServerHit",
           "ServerIndex", "tsvector"]


class ServerIndex(ServerFilling, ServerSearching):
    """One corpus's documents on the server at ``url``."""
