"""Opening an article: headline, metadata, highlighted hits, F3, entity links."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTextBrowser

from gdexplorer.gui.links import EntityLink, parse_href
from tests.gui.conftest import anchor_positions, click_anchor, detail_title, search


def open_first_result(qtbot, window) -> None:
    view = window.results.view
    view.setFocus()
    view.setCurrentIndex(window.results.model.index(0, 0))
    with qtbot.waitSignal(window.session.article_loaded, timeout=5000):
        qtbot.keyClick(view, Qt.Key.Key_Return)


def test_enter_on_a_result_opens_the_article_with_the_hits_marked(qtbot, opened):
    search(qtbot, opened, "hydrogen")
    open_first_result(qtbot, opened)
    article = opened.findChild(QTextBrowser, "articleView")
    text = article.toPlainText()
    assert text.startswith("High-quality development-themed media tour kicks off in Guangdong")
    assert "14 May 2024" in text and "GDToday" in text and "By Nina, Eastbrook" in text
    marked = article.marked_texts()
    assert len(marked) == article.hit_count > 3
    assert {word.lower() for word in marked} == {"hydrogen"}
    # The marks are real formatting in the document, not just a list.
    html = article.toHtml()
    assert "background-color:#ffe066" in html
    assert opened.article.label.text().startswith(f"{article.hit_count} matches")


def test_clicking_a_result_opens_it(qtbot, opened):
    search(qtbot, opened, "tcl")
    view = opened.results.view
    rect = view.visualRect(opened.results.model.index(0, 0))
    with qtbot.waitSignal(opened.session.article_loaded, timeout=5000):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.article.view.page.article.info.id == "articles/0001.txt"


def test_f3_walks_through_the_hits(qtbot, opened):
    search(qtbot, opened, "hydrogen")
    open_first_result(qtbot, opened)
    article = opened.article.view
    article.setFocus()
    qtbot.keyClick(article, Qt.Key.Key_F3)
    first = article.current_hit
    assert first >= 1
    assert article.textCursor().selectedText().lower() == "hydrogen"
    qtbot.keyClick(article, Qt.Key.Key_F3)
    assert article.current_hit == first % article.hit_count + 1
    qtbot.keyClick(article, Qt.Key.Key_F3, Qt.KeyboardModifier.ShiftModifier)
    assert article.current_hit == first
    assert opened.article.label.text() == f"Match {first} of {article.hit_count}"


def test_names_in_the_text_link_to_their_entities(qtbot, opened):
    search(qtbot, opened, "hydrogen consortium")
    open_first_result(qtbot, opened)
    article = opened.article.view
    linked = {parse_href(href).entity_id for href in _hrefs(article) if isinstance(parse_href(href), EntityLink)}
    assert {"guangzhou", "ehang", "guangdong-media-tour"} <= linked
    # The list below the body names every entity the article mentions.
    assert "MENTIONED IN THIS ARTICLE" in article.toPlainText()
    with qtbot.waitSignal(opened.session.entity_loaded, timeout=5000):
        click_anchor(qtbot, article, lambda href: href.endswith("entity/ehang"))
    assert detail_title(opened) == "EHang"


def test_in_this_article_narrows_the_entity_list(qtbot, opened):
    search(qtbot, opened, "tcl")
    open_first_result(qtbot, opened)
    panel = opened.entities
    all_names = panel.visible_names()
    panel.article_button.click()
    in_article = panel.visible_names()
    assert "TCL Technology Group Corp." in in_article
    assert "Shenzhen" not in in_article  # only in the other article
    assert len(in_article) < len(all_names)
    panel.all_button.click()
    assert panel.visible_names() == all_names


def _hrefs(browser) -> list[str]:
    hrefs = []
    for position in anchor_positions(browser, lambda href: True):
        from PySide6.QtGui import QTextCursor

        cursor = QTextCursor(browser.document())
        cursor.setPosition(position + 1)
        hrefs.append(cursor.charFormat().anchorHref())
    return hrefs
