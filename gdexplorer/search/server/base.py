"""What filling and searching a corpus on the server share: its connection, its id, its version.

Tables are shared by every corpus on the server (``gdx_corpus``, ``gdx_document``); a corpus is
known by a name (its folder's name unless given), so two analysts opening copies of one folder at
different places search the same documents.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from gdexplorer.search.query import QueryParser
from gdexplorer.search.server.connection import ServerError, connect, describe, reason

log = logging.getLogger(__name__)

# The version of what the server holds: its tables and the tokens in them. Its own number, not the
# embedded index's (a change there, in a codec or a column, need not refill every shared index), but
# bumped whenever the analyzers' tokens change (tests/core/test_server_index.py pins them). From
# 1001 up: older versions of gdexplorer wrote the embedded number (up to 11) here, and must never
# take a newer index for theirs.
# 1001: near keys (one sentence apart) and the near-copy groups; word frequencies ("Did you mean").
# 1002: the prefix field's tsvector without positions (only its words are ever matched).
# 1003: a hash of each article file's bytes (content): a copied folder is not sent again.
SERVER_SCHEMA_VERSION = 1003

P = ParamSpec("P")
T = TypeVar("T")
S = TypeVar("S", bound="ServerBase")


def reconnecting(method: Callable[Concatenate[S, P], T]) -> Callable[Concatenate[S, P], T]:
    """Run a read again, once, on a new connection when the old one was lost (a server restart,
    a failover to a standby, the network); after that, one ``ServerError`` saying so."""

    @functools.wraps(method)
    def wrapper(self: S, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(self, *args, **kwargs)
        except psycopg.OperationalError:
            self.close()
        try:
            return method(self, *args, **kwargs)
        except psycopg.OperationalError as e:
            self.close()
            raise ServerError(f"lost the connection to {self.where}: {reason(str(e))}") from None

    return wrapper


class ServerBase:
    """One corpus on the server at ``url``: a connection per thread, and whether the corpus is there."""

    def __init__(self, url: str, name: str) -> None:
        self.url = url
        self.name = name
        self.where = describe(url)
        self._local = threading.local()  # a connection per thread: psycopg's are not shared safely
        self._parser: tuple[str, QueryParser] | None = None
        self._rebuild = False

    def _connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = connect(self.url, autocommit=True)
            # The planner does not count reading the tsvectors out of TOAST, the most of a match's
            # cost: it takes a scan of the corpus's rows for cheaper than the GIN index whenever a
            # word is common, and reads every body to test it (china at 20k: 205 -> 124 ms; the
            # mix's warm p95 254 -> 183 ms with the narrower statements of ``searching``).
            conn.execute("SET enable_seqscan = off")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            self._local.conn = None
            with contextlib.suppress(psycopg.Error):
                conn.close()

    def _corpus_id(self, conn: Any) -> int | None:
        """The corpus's id, if it is on the server as this version writes it (another version's
        tokens and columns would give wrong answers without a word: it is not there for us)."""
        row = self._corpus_version(conn)
        return row[0] if row is not None and row[1] == SERVER_SCHEMA_VERSION else None

    def _corpus_version(self, conn: Any) -> tuple[int, int] | None:
        """The corpus's id and the schema version it was filled with; None when it is not there."""
        try:
            row = conn.execute("SELECT id, schema_version FROM gdx_corpus WHERE name = %s", [self.name]).fetchone()
        except pg_errors.UndefinedTable:
            return None
        return (int(row[0]), int(row[1])) if row else None

    @reconnecting
    def missing_reason(self) -> str:
        """Why the corpus cannot be searched here ("" when it can), as the end of a sentence."""
        row = self._corpus_version(self._connection())
        if row is None:
            return f"{self.name} is not on {self.where} yet"
        if row[1] != SERVER_SCHEMA_VERSION:
            return (f"the index of {self.name} on {self.where} was filled by another version of gdexplorer "
                    f"(schema {row[1]}; this one reads {SERVER_SCHEMA_VERSION})")
        return ""

    def _run(self, conn: Any, statement: sql.Composable, params: list[object]) -> Any:
        try:
            return conn.execute(statement, params)
        except psycopg.OperationalError:
            raise  # the connection, not the query: reconnecting tries again
        except pg_errors.Error as e:
            raise ServerError(f"the search on {self.where} failed: {e.diag.message_primary or e}") from None
