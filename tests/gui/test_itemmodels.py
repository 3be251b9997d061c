"""The item models, checked by Qt's model tester and by what they show."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from gdexplorer.errors import Problem, Severity
from gdexplorer.explorer import Explorer
from gdexplorer.gui.itemmodels import EntityFilterProxy, EntityTreeModel, ItemRole, ProblemsModel, ResultsModel, item_at
from gdexplorer.model import Entity, EntityKind, Hit


@pytest.fixture
def explorer(seeds_corpus: Path) -> Explorer:
    explorer = Explorer(seeds_corpus)
    explorer.update_index()
    return explorer


def test_results_model_rows_are_hits(qtmodeltester, explorer):
    model = ResultsModel()
    result = explorer.search("hydrogen")
    model.set_result(result, "hydrogen")
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    assert model.data(model.index(0, 0)) == result.hits[0].info.title
    hit = item_at(model.index(1, 0))
    assert isinstance(hit, Hit) and hit.info.id == result.hits[1].info.id
    assert model.terms == ("hydrogen",)


def test_results_model_asks_for_the_next_page(qtbot, explorer):
    model = ResultsModel()
    first = explorer.search("guangdong", limit=1)
    model.set_result(first, "guangdong")
    assert model.canFetchMore(model.index(-1, -1))
    with qtbot.waitSignal(model.more_requested) as asked:
        model.fetchMore(model.index(-1, -1))
    assert asked.args == [1]
    assert not model.canFetchMore(model.index(-1, -1)), "one request at a time"
    model.append(explorer.search("guangdong", limit=1, offset=1))
    assert model.rowCount() == 2
    assert not model.canFetchMore(model.index(-1, -1))


def test_entity_tree_groups_by_type_with_counts(qtmodeltester, explorer):
    model = EntityTreeModel()
    model.set_entities(explorer.entities())
    model.set_counts(explorer.mention_counts())
    qtmodeltester.check(model)
    groups = [model.data(model.index(row, 0)) for row in range(model.rowCount())]
    assert groups == ["People (11)", "Organizations (17)", "Places (13)", "Technologies (20)", "Products (3)",
                      "Events (2)"]
    people = model.index(0, 0)
    first = model.index(0, 0, people)
    assert model.data(first) == "Che Wenquan"
    assert model.data(model.index(0, 1, people)) == "1"
    assert isinstance(item_at(first), Entity)
    assert model.data(people, ItemRole) is EntityKind.PERSON


def test_entity_filter_matches_names_and_aliases(qtmodeltester, explorer):
    model = EntityTreeModel()
    model.set_entities(explorer.entities())
    proxy = EntityFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_text("gac")  # "GAC" is an alias of GAC Group; GAC Hino has it in its name
    qtmodeltester.check(proxy)
    assert proxy.rowCount() == 1
    organizations = proxy.index(0, 0)
    assert proxy.data(organizations) == "Organizations (2)"
    names = sorted(proxy.data(proxy.index(row, 0, organizations)) for row in range(proxy.rowCount(organizations)))
    assert names == ["GAC Group", "GAC Hino"]
    proxy.set_text("")
    proxy.set_only(frozenset({"tcl", "guangzhou"}))
    assert [proxy.data(proxy.index(row, 0)) for row in range(proxy.rowCount())] == ["Organizations (1)",
                                                                                   "Places (1)"]


def test_entity_filter_sorts_by_mention_count_within_types(explorer):
    model = EntityTreeModel()
    model.set_entities(explorer.entities())
    model.set_counts(explorer.mention_counts())
    proxy = EntityFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(1, Qt.SortOrder.DescendingOrder)
    places = next(proxy.index(r, 0) for r in range(proxy.rowCount()) if str(proxy.data(proxy.index(r, 0))).startswith(
        "Places"))
    assert proxy.data(proxy.index(0, 1, places)) == "2"
    # Types keep their order whatever is sorted.
    assert str(proxy.data(proxy.index(0, 0))).startswith("People")


def test_problems_model_shows_path_line_column(qtmodeltester):
    model = ProblemsModel()
    problems = [Problem("annotations/people.yaml", 3, 5, "unknown key 'nmae'"),
                Problem("articles/0002.txt", 0, 0, "the article has no body", Severity.WARNING)]
    model.set_problems(problems)
    qtmodeltester.check(model)
    assert model.data(model.index(0, 0)) == "annotations/people.yaml:3:5"
    assert model.data(model.index(0, 1)) == "error: unknown key 'nmae'"
    assert model.data(model.index(1, 0)) == "articles/0002.txt"
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole) == str(problems[0])
    assert model.error_count() == 1
