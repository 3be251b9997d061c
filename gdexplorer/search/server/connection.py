"""Connecting to the server, with one clear message per failure and never a password in it."""

from __future__ import annotations

import re
from typing import Any

from gdexplorer.errors import GdxError

# The oldest server with everything used here (websearch-free tsquery phrases, jsonb, generated
# identity columns): PostgreSQL 12.
MIN_SERVER_VERSION = 120000
ENVIRONMENT = "GDEXPLORER_SERVER"

_URL_PASSWORD = re.compile(r"(postgres(?:ql)?://[^:/@\s]*:)[^@\s]*(@)")
_KEYWORD_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


class ServerError(GdxError):
    """The server cannot be reached, refuses us, or cannot do what is asked; one sentence, no secrets."""


def redact(text: str) -> str:
    """``text`` with any password of a connection URL or ``key=value`` string replaced by ``***``."""
    text = _URL_PASSWORD.sub(r"\1***\2", text)
    return _KEYWORD_PASSWORD.sub(r"\1***", text)


def describe(url: str) -> str:
    """Where a connection string points, for messages: host, port and database, no user or password."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(url)
    except Exception:  # psycopg's parse errors quote the string: say nothing of it
        return "the server"
    host = parts.get("host") or "localhost"
    port = parts.get("port") or "5432"
    database = parts.get("dbname") or parts.get("user") or ""
    return f"{host}:{port}/{database}" if database else f"{host}:{port}"


def connect(url: str, **options: Any) -> Any:
    """An open ``psycopg.Connection`` to ``url`` (a libpq string or ``postgresql://`` URL).

    Each way of failing is one ``ServerError`` naming the server, without its password.
    """
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        conninfo_to_dict(url)
    except psycopg.ProgrammingError as e:
        why = redact(str(e))
        raise ServerError(f"the server address is not a PostgreSQL connection string or URL: {why}") from None
    where = describe(url)
    try:
        connection = psycopg.connect(url, connect_timeout=10, application_name="gdexplorer", **options)
    except psycopg.OperationalError as e:
        raise ServerError(f"cannot connect to {where}: {reason(str(e))}") from None
    version = connection.info.server_version
    if version < MIN_SERVER_VERSION:
        connection.close()
        raise ServerError(f"{where} runs PostgreSQL {version // 10000}; gdexplorer needs 12 or newer")
    return connection


def reason(message: str) -> str:
    """Why libpq failed (refused, password, database), and its hint, without the secrets."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    if not lines:
        return "no reason given"
    # "connection failed: connection to server at "h", port 1 failed: Connection refused"
    why = re.split(r"\bfailed:\s*", lines[0])[-1].removeprefix("FATAL:").strip()
    hints = [line for line in lines[1:] if not line.startswith("connection to server")]
    if "password authentication failed" in why:
        why += " (wrong password?)"
    if hints:
        why += f" ({' '.join(hints)})"
    return redact(why)
