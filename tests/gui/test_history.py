"""The navigation history is plain Python: a list with a cursor, browser-style."""

from gdexplorer.gui.history import ArticleLocation, EntityLocation, NavigationHistory, SearchLocation


def test_back_and_forward_walk_the_visited_locations():
    history = NavigationHistory()
    search, article, entity = SearchLocation("hydrogen"), ArticleLocation("articles/0001.txt"), EntityLocation("tcl")
    for location in (search, article, entity):
        assert history.visit(location)
    assert history.current == entity
    assert history.back() == article
    assert history.back() == search
    assert history.back() is None
    assert not history.can_go_back
    assert history.forward() == article
    assert history.can_go_forward


def test_visiting_after_going_back_drops_the_forward_part():
    history = NavigationHistory()
    history.visit(ArticleLocation("a"))
    history.visit(ArticleLocation("b"))
    history.back()
    history.visit(EntityLocation("x"))
    assert history.forward_items() == []
    assert history.back_items() == [ArticleLocation("a")]


def test_a_search_after_a_search_refines_it_instead_of_adding_a_stop():
    history = NavigationHistory()
    history.visit(SearchLocation("h"))
    history.visit(SearchLocation("hy"))
    history.visit(SearchLocation("hydrogen"))
    assert len(history) == 1
    history.visit(ArticleLocation("a"))
    history.visit(SearchLocation("tcl"))
    assert [loc for loc in history.back_items()] == [ArticleLocation("a"), SearchLocation("hydrogen")]


def test_revisiting_the_current_location_is_a_no_op():
    history = NavigationHistory()
    assert history.visit(EntityLocation("x"))
    assert not history.visit(EntityLocation("x"))
    assert len(history) == 1


def test_go_to_jumps_several_steps_and_refuses_out_of_range():
    history = NavigationHistory()
    for name in "abcd":
        history.visit(EntityLocation(name))
    assert history.go_to(-3) == EntityLocation("a")
    assert history.go_to(-1) is None
    assert history.go_to(2) == EntityLocation("c")
    assert history.go_to(0) is None


def test_the_history_is_bounded():
    history = NavigationHistory(limit=3)
    for name in "abcde":
        history.visit(EntityLocation(name))
    assert len(history) == 3
    assert history.back_items() == [EntityLocation("d"), EntityLocation("c")]


def test_labels_name_what_the_user_saw():
    assert SearchLocation("hydrogen").label == "Search “hydrogen”"
    assert ArticleLocation("articles/0001.txt", "Tech innovation").label == "Tech innovation"
    assert ArticleLocation("articles/0001.txt").label == "articles/0001.txt"
    assert EntityLocation("gac-group", "GAC Group").label == "GAC Group"
