"""The project's exceptions and the problems that validation reports.

One base class, ``GdxError``; errors tied to a place in a file are ``SourceError``s whose
``str()`` reads ``path:line:col: message`` (1-based), the form editors and linters jump to.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class GdxError(Exception):
    """Base of every error gdexplorer raises on purpose."""


class SourceError(GdxError):
    """An error at a place in a file; line and column are 1-based, 0 when unknown."""

    def __init__(self, path: str, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return f"{location(self.path, self.line, self.column)}: {self.message}"


class CorpusError(SourceError):
    """The corpus folder or one of its files cannot be read."""


class AnnotationError(SourceError):
    """An annotation file is invalid."""


class IndexBusyError(GdxError):
    """Another process is writing the index right now."""


class SearchIndexError(GdxError):
    """The index cannot be created, opened or written."""


class IndexMissingError(SearchIndexError):
    """There is no usable index: never built, deleted, or found damaged. An update builds it."""


class QueryError(GdxError):
    """A query cannot be parsed or run; the message is one sentence for the user."""


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding of validation, at a place in a file (path relative to the corpus)."""

    path: str
    line: int
    column: int
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        return f"{location(self.path, self.line, self.column)}: {self.severity.value}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def location(path: str, line: int, column: int) -> str:
    """Format ``path:line:col``, leaving out the parts that are unknown (0)."""
    if line <= 0:
        return path
    if column <= 0:
        return f"{path}:{line}"
    return f"{path}:{line}:{column}"
