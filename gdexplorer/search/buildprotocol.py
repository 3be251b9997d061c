"""The protocol between an index build in a child process (``gdexplorer.buildproc``) and its parent.

One JSON object per line on the child's stdout: ``progress``, then ``finished`` with the
``IndexStats`` or ``failed`` with a ``BuildFailure``. Anything else on the line is not ours (None).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gdexplorer.errors import Problem, Severity
from gdexplorer.model import BuildFailure, IndexStats, Progress


def stats_to_json(stats: IndexStats) -> dict[str, Any]:
    return {
        "added": stats.added, "updated": stats.updated, "deleted": stats.deleted, "unchanged": stats.unchanged,
        "seconds": stats.seconds, "rebuilt": stats.rebuilt, "cancelled": stats.cancelled, "reason": stats.reason,
        "problems": [[p.path, p.line, p.column, p.message, p.severity.value] for p in stats.problems],
    }


def stats_from_json(raw: dict[str, Any]) -> IndexStats:
    problems = tuple(Problem(str(path), int(line), int(column), str(message), Severity(severity))
                     for path, line, column, message, severity in raw.get("problems", ()))
    return IndexStats(
        added=int(raw["added"]), updated=int(raw["updated"]), deleted=int(raw["deleted"]),
        unchanged=int(raw["unchanged"]), seconds=float(raw["seconds"]), rebuilt=bool(raw["rebuilt"]),
        cancelled=bool(raw["cancelled"]), reason=str(raw["reason"]), problems=problems,
    )


def parse_line(line: str) -> Progress | IndexStats | BuildFailure | None:
    """One line of the child's output; None for anything that is not part of the protocol."""
    try:
        raw = json.loads(line)
        event = raw["event"]
        if event == "progress":
            return Progress(int(raw["done"]), int(raw["total"]), str(raw["stage"]))
        if event == "finished":
            return stats_from_json(raw["stats"])
        if event == "failed":
            return BuildFailure(bool(raw["busy"]), str(raw["message"]))
    except (ValueError, KeyError, TypeError):
        pass
    return None


def command(corpus: Path, annotations: Path | None, index_folder: Path) -> list[str]:
    """The arguments (after the Python executable) that build ``index_folder`` for this corpus."""
    args = ["-m", "gdexplorer.buildproc", "--corpus", str(corpus), "--index", str(index_folder)]
    if annotations is not None:
        args += ["--annotations", str(annotations)]
    return args
