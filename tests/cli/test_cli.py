"""The CLI, in-process on real files (like datasette's tests), plus one real subprocess run."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gdexplorer.cli import Exit, main
from tests.conftest import REPO


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_search_text(capsys, seeds):
    code, out, _ = run(capsys, "search", "hydrogen", "--corpus", str(seeds))
    assert code == Exit.OK
    assert out.startswith("2 results for 'hydrogen' in ")
    assert "High-quality development-themed media tour kicks off in Guangdong" in out
    assert "[hydrogen] fuel cell" in out


def test_search_json(capsys, seeds):
    code, out, _ = run(capsys, "search", "eVTOL", "--json", "--corpus", str(seeds))
    assert code == Exit.OK
    data = json.loads(out)
    assert set(data) == {"query", "total", "took_ms", "hits", "did_you_mean"}
    assert data["did_you_mean"] is None
    assert data["total"] == 1
    hit = data["hits"][0]
    assert set(hit) >= {"path", "title", "score", "snippet", "date", "category"}
    assert hit["path"] == "articles/0002.txt"
    assert "<mark>eVTOL</mark>" in hit["snippet"]
    assert "ehang" in hit["entities"]


def test_search_batch(capsys, seeds, tmp_path, monkeypatch):
    queries = tmp_path / "q.txt"
    queries.write_text("hydrogen\n\nGAC\nfoo:bar\n", encoding="utf-8")
    code, out, _ = run(capsys, "search", "--batch", str(queries), "--corpus", str(seeds))
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["query"] for line in lines] == ["hydrogen", "GAC", "foo:bar"]
    assert lines[0]["total"] == 2 and lines[0]["took_ms"] >= 0
    assert lines[2]["error"].startswith("unknown field 'foo:'")
    assert code == Exit.FAILED


def test_bad_query_is_one_line_and_exit_1(capsys, seeds):
    code, _, err = run(capsys, "search", "date:[garbage TO x]", "--corpus", str(seeds))
    assert code == Exit.FAILED
    assert err.startswith("gdexplorer: cannot understand the query:")
    assert "Traceback" not in err


def test_entity_text_and_json(capsys, seeds):
    code, out, _ = run(capsys, "entity", "EHang", "--corpus", str(seeds))
    assert code == Exit.OK
    assert out.startswith("EHang  [organization]  id: ehang")
    assert "“making it the world's first Production Certificate granted in the global eVTOL industry”" in out
    code, out, _ = run(capsys, "entity", "GAC", "--json", "--corpus", str(seeds))
    data = json.loads(out)
    assert data["id"] == "gac-group" and data["type"] == "organization"
    assert set(data) >= {"id", "name", "type", "aliases", "description", "facts", "relations", "mentions"}
    assert data["mentions"] == ["articles/0001.txt"]
    assert all(set(f) == {"text", "article", "quote"} for f in data["facts"])


def test_unknown_entity(capsys, seeds):
    code, _, err = run(capsys, "entity", "Nobody Here", "--corpus", str(seeds))
    assert code == Exit.FAILED
    assert "no entity with id, name or alias 'Nobody Here'" in err


def test_entities_list(capsys, seeds):
    code, out, _ = run(capsys, "entities", "--type", "person", "--json", "--corpus", str(seeds))
    people = json.loads(out)
    assert code == Exit.OK
    assert {p["type"] for p in people} == {"person"}
    assert "Li Dongsheng" in {p["name"] for p in people}
    code, out, _ = run(capsys, "entities", "--corpus", str(seeds))
    assert "People (" in out and "Organizations (" in out


def test_check_clean_seeds(capsys, seeds):
    code, out, err = run(capsys, "check", "--corpus", str(seeds))
    # The summary on stdout, where `check > report.txt` or `check | tail -1` in CI finds it.
    assert (code, out, err) == (Exit.OK, "6 files, 66 entities, 101 facts, 83 relations: 0 errors, 0 warnings\n", "")


def test_check_reports_problems_with_places(capsys, seeds):
    (seeds / "annotations" / "broken.yaml").write_text("entities:\n  - id: x\n    type: planet\n    name: X\n")
    code, out, _ = run(capsys, "check", "--corpus", str(seeds))
    assert code == Exit.FAILED
    assert out.splitlines()[-1] == "7 files, 66 entities, 101 facts, 83 relations: 1 error, 0 warnings"
    assert out.splitlines()[:-1] == [
        "annotations/broken.yaml:3:11: error: unknown entity type 'planet'; expected one of: person, organization, "
        "place, technology, product, event"
    ]


def test_usage_errors_exit_2(capsys):
    assert main(["search", "--limit", "x", "q"]) == Exit.USAGE
    assert main(["nonsense"]) == Exit.USAGE
    assert main(["search"]) == Exit.USAGE


def test_index_command(capsys, seeds):
    code, out, _ = run(capsys, "index", "--corpus", str(seeds))
    assert code == Exit.OK and "index built" in out and "2 added" in out
    code, out, _ = run(capsys, "index", "--corpus", str(seeds))
    assert "index updated" in out and "2 unchanged" in out
    code, out, _ = run(capsys, "index", "--rebuild", "--corpus", str(seeds))
    assert "index built" in out


def test_annotations_from_another_corpus(capsys, seeds, tmp_path):
    other = tmp_path / "other"
    (other / "articles").mkdir(parents=True)
    (other / "articles" / "a.txt").write_text("EHang flies\n\nEHang and GAC Group met in Guangzhou.\n")
    code, out, _ = run(capsys, "entity", "ehang", "--json", "--corpus", str(other),
                       "--annotations", str(seeds / "annotations"))
    data = json.loads(out)
    assert code == Exit.OK
    assert data["mentions"] == ["articles/a.txt"]
    assert data["facts"], "facts keep citing the seeds' articles"


@pytest.mark.parametrize("argv", [["-m", "gdexplorer", "search", "hydrogen", "--json"]])
def test_python_dash_m_from_another_directory(tmp_path, argv):
    env = {"GDEXPLORER_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, *argv], cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["total"] == 2


def test_readme_mentions_every_subcommand():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for command in ("index", "search", "entities", "entity", "check"):
        assert f"gdexplorer {command}" in readme


def test_entity_network_json(capsys, seeds):
    code, out, _ = run(capsys, "entity", "EHang", "--network", "--json", "--corpus", str(seeds))
    data = json.loads(out)
    assert code == Exit.OK and data["center"] == "ehang"
    assert {"id": "huangpu-district", "name": "Huangpu District", "type": "place"} in data["nodes"]
    kinds = {e["kind"] for e in data["edges"]}
    assert kinds == {"relation", "co-mention"}


def test_search_facets_and_filters(capsys, seeds):
    code, out, _ = run(capsys, "search", "hydrogen", "--facets", "--json", "--filter", "date:2024-05",
                       "--corpus", str(seeds))
    data = json.loads(out)
    assert code == Exit.OK and data["total"] == 1 and data["filters"] == ["date:2024-05"]
    assert data["facets"]["year"] == {"2024": 1}
    assert {"id": "ehang", "name": "EHang", "count": 1} in data["facets"]["entity"]["organization"]
    _, out, _ = run(capsys, "search", "hydrogen", "--facets", "--corpus", str(seeds))
    assert "\nFacets (" in out and "year:     2024 2" in out


def test_export_results_and_dossier(capsys, seeds, tmp_path):
    code, out, _ = run(capsys, "export", "results", "hydrogen", "--format", "csv", "--corpus", str(seeds))
    assert code == Exit.OK and out.splitlines()[0].startswith("rank,path,title,date")
    assert len(out.splitlines()) == 3
    target = tmp_path / "gac.md"
    code, _, err = run(capsys, "export", "entity", "GAC", "-o", str(target), "--corpus", str(seeds))
    assert code == Exit.OK and f"wrote {target}" in err
    assert target.read_text(encoding="utf-8").startswith("# GAC Group\n")


def test_workbench_commands(capsys, seeds):
    corpus = ("--corpus", str(seeds))
    code, out, _ = run(capsys, "tag", "articles/0001.txt", "ev", "big money", *corpus)
    assert code == Exit.OK and out == "articles/0001.txt: not starred; tags: ev, big money; no note\n"
    code, out, _ = run(capsys, "star", "articles/0002.txt", *corpus)
    assert out == "articles/0002.txt: starred; no tags; no note\n"
    code, out, _ = run(capsys, "note", "articles/0002.txt", "Ask GDToday", *corpus)
    assert out == "articles/0002.txt: starred; no tags; a note\n"
    code, out, _ = run(capsys, "untag", "articles/0001.txt", "big money", *corpus)
    assert out == "articles/0001.txt: not starred; tags: ev; no note\n"
    code, out, _ = run(capsys, "search", "tag:ev OR note:gdtoday", "--json", *corpus)
    assert json.loads(out)["total"] == 2
    code, out, _ = run(capsys, "unstar", "articles/0002.txt", *corpus)
    assert out == "articles/0002.txt: not starred; no tags; a note\n"
    assert (seeds / "annotations" / "workbench.yaml").read_text(encoding="utf-8").endswith(
        "articles:\n  articles/0001.txt:\n    tags: [ev]\n  articles/0002.txt:\n    note: Ask GDToday\n")
    code, _, err = run(capsys, "tag", "articles/nope.txt", "x", *corpus)
    assert code == Exit.FAILED and err == "gdexplorer: articles/nope.txt: no article 'articles/nope.txt' in this corpus\n"


def test_saved_searches(capsys, seeds):
    corpus = ("--corpus", str(seeds))
    run(capsys, "tag", "articles/0001.txt", "ev", *corpus)
    code, out, _ = run(capsys, "saved", "ev watch", "--save", "tag:ev", "--sort", "newest", *corpus)
    assert code == Exit.OK and out.startswith("ev watch: 0 new since last opened")
    run(capsys, "tag", "articles/0002.txt", "ev", *corpus)
    code, out, _ = run(capsys, "saved", *corpus)
    assert out == "ev watch: tag:ev  (1 new)\n"
    code, out, _ = run(capsys, "saved", "--json", *corpus)
    (listed,) = json.loads(out)
    assert listed["new"] == ["articles/0002.txt"] and listed["sort"] == "newest" and listed["seen"] == 1
    code, out, _ = run(capsys, "saved", "ev watch", "--json", *corpus)
    data = json.loads(out)
    assert data["new"] == ["articles/0002.txt"] and data["total"] == 2
    assert [h["path"] for h in data["hits"]] == ["articles/0002.txt", "articles/0001.txt"]
    code, out, _ = run(capsys, "saved", *corpus)
    assert out == "ev watch: tag:ev  (0 new)\n"  # opened: what it matched is seen now
    code, _, err = run(capsys, "saved", "nope", *corpus)
    assert code == Exit.FAILED and "no saved search called 'nope'" in err


def test_check_reports_the_workbench_file(capsys, seeds):
    (seeds / "annotations" / "workbench.yaml").write_text("articles:\n  a.txt:\n    tags: [x\n", encoding="utf-8")
    code, out, _ = run(capsys, "check", "--corpus", str(seeds))
    assert code == Exit.FAILED
    assert "annotations/workbench.yaml:4:1: error: invalid YAML" in out


def test_readme_mentions_the_workbench_commands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for command in ("star", "unstar", "tag", "untag", "note", "saved"):
        assert f"gdexplorer {command} " in readme


def test_options_before_the_command_are_kept(tmp_path, capsys):
    """`gdexplorer --corpus X index` indexed the bundled seeds: the command's own --corpus default
    overwrote the one given before it."""
    from gdexplorer.cli import build_parser

    parser = build_parser()
    before = parser.parse_args(["--corpus", "x", "-v", "index"])
    after = parser.parse_args(["index", "--corpus", "y"])
    both = parser.parse_args(["--corpus", "x", "search", "--corpus", "y", "word"])
    assert (before.corpus, before.verbose) == (Path("x"), True)
    assert (after.corpus, after.verbose) == (Path("y"), False)
    assert both.corpus == Path("y")  # the nearer one wins, as with any option given twice
    corpus = tmp_path / "c"
    (corpus / "articles").mkdir(parents=True)
    (corpus / "articles" / "one.txt").write_text("Title: Lighthouse keepers\n\nThe lamp was lit at dusk.\n",
                                                 encoding="utf-8")
    assert main(["--corpus", str(corpus), "search", "lighthouse", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert [h["path"] for h in hits] == ["articles/one.txt"]
