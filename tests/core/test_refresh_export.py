"""Live refresh of outside edits, exports and citations, and entity suggestions."""

import csv
import io
import json

from gdexplorer.annotations.mentions import suggest_entities
from gdexplorer.explorer import Explorer
from gdexplorer.export import citation, dossier_markdown, results_csv, results_json


def test_refresh_picks_up_articles_yaml_and_manifest_edited_outside(seeds):
    explorer = Explorer(seeds)
    explorer.update_index()
    assert not explorer.refresh().changed

    (seeds / "articles" / "0003.txt").write_text("Drones in Shenzhen\n\nDJI builds drones.\n", encoding="utf-8")
    report = explorer.refresh()
    assert report.changed and report.index.added == 1
    assert explorer.search("drone").total == 1

    people = seeds / "annotations" / "people.yaml"
    people.write_text(people.read_text(encoding="utf-8").replace("name: Hu Huazhi", "name: Hu Huazhi\n    aliases: [DJI]", 1),
                      encoding="utf-8")
    report = explorer.refresh()
    assert report.annotations_changed
    assert [a.id for a in explorer.mentions_of("hu-huazhi")] == ["articles/0002.txt", "articles/0003.txt"]

    manifest = seeds / "manifest.jsonl"
    manifest.write_text(manifest.read_text(encoding="utf-8") +
                        '{"file": "articles/0003.txt", "title": "Drone makers", "date": "2024-06-01"}\n', encoding="utf-8")
    report = explorer.refresh()
    assert report.manifest_changed and report.index.updated == 1
    assert explorer.search("drone").hits[0].info.title == "Drone makers"


def test_results_export_csv_and_json(seeds):
    explorer = Explorer(seeds)
    explorer.update_index()
    result = explorer.search("hydrogen")
    rows = list(csv.DictReader(io.StringIO(results_csv(result))))
    assert [r["path"] for r in rows] == [h.path for h in result.hits]
    assert rows[0]["title"] == result.hits[0].info.title and "hydrogen" in rows[0]["snippet"].lower()
    data = json.loads(results_json(result))
    assert data["total"] == 2 and data["hits"][1]["date"] == "2024-04-01"


def test_dossier_has_facts_with_quotes_and_sources(seeds):
    explorer = Explorer(seeds)
    explorer.update_index()
    text = dossier_markdown(explorer, explorer.entity("EHang"))
    assert text.startswith("# EHang\n")
    assert "> “making it the world's first Production Certificate granted in the global eVTOL industry”" in text
    assert "— *High-quality development-themed media tour kicks off in Guangdong*, GDToday, 2024-05-14" in text
    assert "## Mentioned in 1 article" in text


def test_citation_is_plain_text_with_source_and_date(seeds):
    info = Explorer(seeds).article("articles/0001.txt").info
    text = citation(info, "Li Dongsheng,   founder and chairman")
    assert text == ("“Li Dongsheng, founder and chairman”\n— Tech innovation set to upgrade Guangdong development, "
                    "chinadaily.com.cn (Wang Keju), 2024-04-01. [articles/0001.txt]")


def test_suggestions_are_unannotated_names(seeds):
    explorer = Explorer(seeds)
    text = explorer.article("articles/0002.txt").text
    names = [s.text for s in suggest_entities(text, explorer._matcher)]
    assert "Production Certificate" in names
    assert "EHang" not in names and "Guangzhou" not in names  # already annotated
    assert "Over" not in names and "The" not in names
