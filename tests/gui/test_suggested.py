"""Suggested entities in the real window on a copy of the seeds: found by the child process after the
index, listed beside the curated ones, then accepted, merged and rejected into the real YAML files
(each file otherwise byte-identical). One test, so that the recognizer runs once."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from gdexplorer.annotations.recognizers import spacy_available
from gdexplorer.gui.mainwindow import MainWindow
from gdexplorer.model import EntityKind

pytestmark = pytest.mark.skipif(not spacy_available(), reason="spaCy and its model are not installed "
                                                              "(pip install gdexplorer[ner])")


def _pick(qtbot, window: MainWindow, name: str) -> None:
    suggested = window.suggested
    item = suggested.list.item_of(name)
    assert item is not None, suggested.list.names()
    suggested.list.tree.scrollToItem(item)
    rect = suggested.list.tree.visualItemRect(item)
    assert suggested.list.tree.viewport().rect().contains(rect.center()), "the suggestion is not visible"
    qtbot.mouseClick(suggested.list.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert suggested.detail.suggested is not None and suggested.detail.suggested.name == name
    assert window.detail_tabs.currentWidget() is suggested.detail


@pytest.fixture
def _suggesting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GDEXPLORER_SUGGEST", "1")


def test_accept_merge_reject_in_the_window(qtbot, _suggesting: None, opened: MainWindow, seeds_corpus: Path) -> None:
    window = opened
    suggested = window.suggested
    qtbot.waitUntil(lambda: "EH216" in suggested.list.names(), timeout=60_000)
    names = suggested.list.names()
    # Curated names are not suggested again; the rest are, marked as suggestions.
    assert "GAC Group" not in names and "Li Dongsheng" not in names
    assert suggested.list.tree.topLevelItem(0).text(0).endswith("(suggested)")
    assert suggested.list.item_of("EH216").font(0).italic()

    # The filter: Suggested hides the curated tree, Curated hides the suggestions.
    qtbot.mouseClick(suggested.filter.buttons["suggested"], Qt.MouseButton.LeftButton)
    assert window.entities.tree.isHidden() and not suggested.list.isHidden()
    qtbot.mouseClick(suggested.filter.buttons["curated"], Qt.MouseButton.LeftButton)
    assert not window.entities.tree.isHidden() and suggested.list.isHidden()
    qtbot.mouseClick(suggested.filter.buttons["all"], Qt.MouseButton.LeftButton)

    annotations = seeds_corpus / "annotations"

    # Accept, as a product, with its first sentence as a quoted fact.
    products = annotations / "products.yaml"
    before = products.read_bytes()
    _pick(qtbot, window, "EH216")
    detail = suggested.detail
    detail.kind.setCurrentIndex(detail.kind.findData(EntityKind.PRODUCT))
    detail.with_fact.setChecked(True)
    with qtbot.waitSignal(window.curation.curated, timeout=10_000):
        qtbot.mouseClick(detail.accept_button, Qt.MouseButton.LeftButton)
    after = products.read_bytes()
    assert after.startswith(before)
    added = after[len(before):].decode("utf-8")
    assert "  - id: eh216\n    type: product\n    name: EH216\n" in added and "quote:" in added
    qtbot.waitUntil(lambda: "EH216" not in suggested.list.names(), timeout=10_000)

    # Merge into an existing entity: one alias added, nothing else in the file changes.
    orgs = annotations / "organizations.yaml"
    before_text = orgs.read_text(encoding="utf-8")
    _pick(qtbot, window, "Hino")
    detail.merge_target.setCurrentIndex(detail.merge_target.findData("gac-group"))
    with qtbot.waitSignal(window.curation.curated, timeout=10_000):
        qtbot.mouseClick(detail.merge_button, Qt.MouseButton.LeftButton)
    assert orgs.read_text(encoding="utf-8") == before_text.replace("aliases: [GAC]", "aliases: [GAC, Hino]", 1)
    qtbot.waitUntil(lambda: "Hino" not in suggested.list.names(), timeout=10_000)

    # Reject: kept in the annotations folder, and gone from the list; the curated files untouched.
    curated = {p.name: p.read_bytes() for p in annotations.glob("*.yaml")}
    _pick(qtbot, window, "Photo/VCG")
    qtbot.mouseClick(detail.reject_button, Qt.MouseButton.LeftButton)
    rejected = annotations / "rejected-suggestions.yaml"
    assert '  - "Photo/VCG"\n' in rejected.read_text(encoding="utf-8")
    assert {p.name: p.read_bytes() for p in annotations.glob("*.yaml") if p != rejected} == curated
    qtbot.waitUntil(lambda: "Photo/VCG" not in suggested.list.names(), timeout=10_000)
    assert not window.problems.isVisible() or "rejected" not in window.problems_button.text()

    # A sentence opens its article there.
    _pick(qtbot, window, "Production Certificate")
    first = detail.sentences.item(0)
    with qtbot.waitSignal(window.session.article_loaded, timeout=10_000):
        qtbot.mouseClick(detail.sentences.viewport(), Qt.MouseButton.LeftButton,
                         pos=detail.sentences.visualItemRect(first).center())
    sentence = first.text().split("\n")[0]
    assert sentence[:30] in window.article.view.toPlainText()


def test_no_suggestions_leave_their_room_to_the_curated_tree(qtbot, _suggesting: None, opened: MainWindow) -> None:
    """At 1024x640 the curated tree was three rows high beside an empty "Suggested" list as tall."""
    window = opened
    window.resize(1024, 640)
    suggested = window.suggested
    qtbot.waitUntil(lambda: "EH216" in suggested.list.names(), timeout=60_000)
    tree = window.entities.tree
    assert tree.height() > suggested.list.tree.height()  # both shown: the curated tree comes first
    window.entities.filter.setText("GAC Group")  # a curated name no suggestion has
    assert suggested.list.names() == [] and suggested.list.tree.isHidden()
    qtbot.waitUntil(lambda: suggested.list.height() <= suggested.list.status.sizeHint().height() + 4, timeout=2000)
    assert tree.height() > 3 * tree.sizeHintForRow(0)


def test_suggested_entities_in_facets_network_and_article(qtbot, _suggesting: None, opened: MainWindow) -> None:
    from gdexplorer.gui.explorepages import SUGGESTED_NODE
    from gdexplorer.gui.links import suggested_href
    from gdexplorer.gui.pages import ArticleLocation
    from tests.gui.conftest import search

    window = opened
    suggested = window.suggested
    qtbot.waitUntil(lambda: "EH216" in suggested.list.names(), timeout=60_000)
    detail = suggested.detail

    # The mention facets: EH216 counted among the products, in italics, and a click opens it.
    search(qtbot, window, "EHang")
    facets = window.facets

    def eh216() -> object:
        return next((v for v in facets.values("product") if v.suggested is not None
                     and v.suggested.name == "EH216"), None)

    qtbot.waitUntil(lambda: eh216() is not None, timeout=10_000)
    value = eh216()
    assert value.count == 1 and value.kind is EntityKind.PRODUCT
    index = facets.index_of(value.filter)
    assert facets.model.data(index, Qt.ItemDataRole.ToolTipRole).startswith("EH216 (suggested product")
    detail.show_suggested(None)
    facets.view.scrollTo(index)
    qtbot.mouseClick(facets.view.viewport(), Qt.MouseButton.LeftButton, pos=facets.view.visualRect(index).center())
    assert detail.suggested is not None and detail.suggested.name == "EH216"
    assert window.detail_tabs.currentWidget() is detail
    # Choosing it filtered nothing: a suggestion is in no index field.
    assert window.explore.filters == ()

    # "In this article": under their own heading, a link that opens the suggestion.
    with qtbot.waitSignal(window.session.article_loaded, timeout=10_000):
        window.open_article(ArticleLocation("articles/0002.txt"))
    text = window.article.view.toPlainText()
    heading = text.index("SUGGESTED IN THIS ARTICLE (NOT CURATED)")
    assert "EH216" in text[heading:]
    detail.show_suggested(None)
    window.article.view.follow(suggested_href("EH216"))
    assert detail.suggested is not None and detail.suggested.name == "EH216"

    # The network: EHang's co-mentions include the suggestion, dashed; a click opens it.
    window.open_entity("ehang")
    window.detail_tabs.setCurrentWidget(window.network)
    node = SUGGESTED_NODE + "EH216"
    qtbot.waitUntil(lambda: node in window.network.nodes, timeout=10_000)
    item = window.network.nodes[node]
    assert item.suggested and item.name == "EH216" and "suggested product" in item.toolTip()
    assert not window.network.nodes["gac-group"].suggested if "gac-group" in window.network.nodes else True
    detail.show_suggested(None)
    with qtbot.waitSignal(window.network.suggested_requested, timeout=5000):
        item.activated.emit(node)
    assert detail.suggested is not None and detail.suggested.name == "EH216"
