"""Colours the palette has no role for, chosen per light or dark palette; and a dark palette.

Everything else uses palette roles so the window follows the system theme. Marks (query hits,
the quoted sentence) keep dark text on a light marker in both themes: a highlighter pen reads the
same on white and on charcoal, and the text colour is forced so it never inherits light-on-light.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette


@dataclass(frozen=True, slots=True)
class Marks:
    hit_background: QColor
    hit_foreground: QColor
    current_hit_background: QColor
    focus_background: QColor
    error: QColor
    secondary: QColor
    chip_background: QColor


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def marks_for(palette: QPalette) -> Marks:
    dark = is_dark(palette)
    text = palette.color(QPalette.ColorRole.Text)
    base = palette.color(QPalette.ColorRole.Base)
    # Secondary text: halfway between text and background, which PlaceholderText often is not
    # (Fusion's is too faint on dark bases).
    secondary = QColor(
        (text.red() * 3 + base.red() * 2) // 5,
        (text.green() * 3 + base.green() * 2) // 5,
        (text.blue() * 3 + base.blue() * 2) // 5,
    )
    chip = QColor(text)
    chip.setAlpha(28 if dark else 18)
    return Marks(
        hit_background=QColor("#ffe066") if not dark else QColor("#f2cc4d"),
        hit_foreground=QColor("#1a1a1a"),
        current_hit_background=QColor("#ff9f43"),
        focus_background=QColor("#b6e3b0") if not dark else QColor("#9fd49a"),
        error=QColor("#c62828") if not dark else QColor("#ff7b72"),
        secondary=secondary,
        chip_background=chip,
    )


def dark_palette() -> QPalette:
    """A neutral dark palette for Fusion (screenshots, and platforms without a dark theme)."""
    p = QPalette()
    window, base, text = QColor("#2b2d30"), QColor("#1e1f22"), QColor("#dfe1e5")
    disabled = QColor("#7a7e85")
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: QColor("#26282b"),
        QPalette.ColorRole.ToolTipBase: QColor("#3c3f41"),
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: disabled,
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: QColor("#3c3f41"),
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: QColor("#ff6b6b"),
        QPalette.ColorRole.Light: QColor("#4a4d50"),
        QPalette.ColorRole.Midlight: QColor("#3e4144"),
        QPalette.ColorRole.Mid: QColor("#35383b"),
        QPalette.ColorRole.Dark: QColor("#1a1b1d"),
        QPalette.ColorRole.Shadow: QColor("#000000"),
        QPalette.ColorRole.Highlight: QColor("#2f65ca"),
        QPalette.ColorRole.HighlightedText: QColor("#ffffff"),
        QPalette.ColorRole.Link: QColor("#6aa7ff"),
        QPalette.ColorRole.LinkVisited: QColor("#b08cff"),
    }
    for role, color in roles.items():
        p.setColor(role, color)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


def css_color(color: QColor) -> str:
    """A colour for Qt's rich-text CSS (which ignores alpha in ``#rrggbbaa``)."""
    if color.alpha() == 255:
        return color.name()
    return f"rgba({color.red()},{color.green()},{color.blue()},{color.alphaF():.2f})"
