from gdexplorer.annotations.mentions import MentionMatcher
from gdexplorer.model import Entity, EntityKind


def entity(entity_id: str, name: str, *aliases: str) -> Entity:
    return Entity(id=entity_id, kind=EntityKind.ORGANIZATION, name=name, aliases=aliases)


MATCHER = MentionMatcher([
    entity("gac", "GAC Group", "GAC"),
    entity("gac-hino", "GAC Hino"),
    entity("tcl", "TCL Technology Group Corp.", "TCL"),
    entity("nev", "new energy vehicle", "NEV", "NEVs", "new energy vehicles"),
    entity("evtol", "eVTOL", "electric vertical takeoff and landing"),
    entity("shenzhen", "Shenzhen", "深圳"),
])


def test_longest_match_wins():
    assert MATCHER.find("the company and GAC Hino jointly led") == ("gac-hino",)
    assert MATCHER.find("said Feng Xingya, president of GAC Group") == ("gac",)


def test_acronyms_are_case_sensitive_and_names_are_not():
    assert MATCHER.find("tcl and gac in lower case") == ()
    assert MATCHER.find("TCL makes screens") == ("tcl",)
    assert MATCHER.find("New Energy Vehicles and NEVs") == ("nev",)
    assert MATCHER.find("EVTOL aircraft") == ("evtol",)


def test_word_boundaries_are_respected():
    assert MATCHER.find("GACX and preTCL and NEVER") == ()
    assert MATCHER.find("pilotless electric vertical  takeoff\nand landing (eVTOL) aircraft") == ("evtol",)


def test_cjk_names_match_without_word_boundaries():
    assert MATCHER.find("他在深圳工作") == ("shenzhen",)


def test_spans_point_at_the_words():
    text = "In 2023, GAC Hino and TCL"
    assert [(text[s:e], i) for s, e, i in MATCHER.spans(text)] == [("GAC Hino", "gac-hino"), ("TCL", "tcl")]


def test_signature_changes_with_the_names_only():
    same = MentionMatcher([entity("gac", "GAC Group", "GAC")])
    again = MentionMatcher([entity("gac", "GAC Group", "GAC")])
    other = MentionMatcher([entity("gac", "GAC Group")])
    assert same.signature == again.signature != other.signature
