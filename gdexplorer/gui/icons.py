"""Icons: the app's, one per entity type (SVGs in resources/icons), and the toolkit's standard ones."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from gdexplorer.paths import resources_dir

if TYPE_CHECKING:
    # QStyle is imported where it is used: its Python types (big enums) cost ~17 ms, which the
    # window's first paint does not need to wait for.
    from PySide6.QtWidgets import QStyle

    from gdexplorer.model import EntityKind


def icon_path(name: str) -> Path:
    return resources_dir() / "icons" / f"{name}.svg"


@functools.cache
def _load(name: str) -> QIcon:
    # Cached per process: QIcon is implicitly shared and these files never change while running.
    return QIcon(str(icon_path(name)))


def app_icon() -> QIcon:
    return _load("app")


def named_icon(name: str) -> QIcon:
    """One of the app's own SVG icons (search, history...) by file name without .svg."""
    return _load(name)


def kind_icon(kind: EntityKind) -> QIcon:
    return _load(kind.value)


def kind_image(kind: EntityKind, size: int, ratio: float = 1.0) -> QImage:
    """The type icon as an image, for inline use in rich text (QTextDocument resources)."""
    return render_svg(icon_path(kind.value), size, ratio)


def render_svg(path: Path, size: int, ratio: float = 1.0) -> QImage:
    pixels = max(1, round(size * ratio))
    image = QImage(QSize(pixels, pixels), QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    renderer = QSvgRenderer(str(path))
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    image.setDevicePixelRatio(ratio)
    return image


def standard_icon(pixmap: QStyle.StandardPixmap) -> QIcon:
    return QApplication.style().standardIcon(pixmap)


def problem_icon(is_error: bool) -> QIcon:
    """The style's error or warning sign."""
    from PySide6.QtWidgets import QStyle

    return standard_icon(QStyle.StandardPixmap.SP_MessageBoxCritical if is_error else
                         QStyle.StandardPixmap.SP_MessageBoxWarning)


def themed_icon(theme: QIcon.ThemeIcon, fallback: QStyle.StandardPixmap) -> QIcon:
    """The desktop theme's icon where there is one (Linux), else the style's."""
    if QIcon.hasThemeIcon(theme):
        return QIcon.fromTheme(theme)
    return standard_icon(fallback)
