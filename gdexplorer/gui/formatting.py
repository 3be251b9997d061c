"""Turning core values into display text: dates in the user's locale, counts with plurals."""

from __future__ import annotations

from PySide6.QtCore import QDate, QLocale, Qt


def display_date(text: str | None, long: bool = False) -> str:
    """An ISO date or datetime as '1 Apr 2024' (in the locale's language); other text as given."""
    if not text:
        return ""
    date = QDate.fromString(text[:10], Qt.DateFormat.ISODate)
    if not date.isValid():
        return text
    return QLocale().toString(date, "d MMMM yyyy" if long else "d MMM yyyy")


def plural(count: int, singular: str, many: str | None = None) -> str:
    word = singular if count == 1 else (many or singular + "s")
    return f"{count:,} {word}"
