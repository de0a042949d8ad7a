"""An orphaned snapshot fails on purpose: every SVG under snapshots/ belongs to a test.

A renamed or deleted snapshot test leaves its SVG behind, and a stale picture of a
screen misleads whoever reviews the folder. Delete the file (or restore the test).
"""

from __future__ import annotations

import ast
from pathlib import Path

HERE = Path(__file__).resolve().parent
SNAPSHOTS = HERE.parents[1] / "snapshots"


def expected_names() -> set[str]:
    """``Class.test_name`` of every snapshot test (read from the source, not imported)."""
    tree = ast.parse((HERE / "test_tui_snapshots.py").read_text())
    return {
        f"{node.name}.{item.name}"
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        for item in node.body
        if isinstance(item, ast.FunctionDef) and item.name.startswith("test_")
    }


def test_no_snapshot_is_orphaned():
    folder = SNAPSHOTS / "test_tui_snapshots"
    expected = expected_names()
    orphans = sorted(
        p.name for p in folder.glob("*.svg") if p.stem.split("[", 1)[0] not in expected
    )
    assert not orphans, f"snapshots with no test (delete them or restore the test): {orphans}"
    assert expected, "no snapshot tests found"


def test_snapshots_are_stored_with_lf_line_ends():
    for path in (SNAPSHOTS / "test_tui_snapshots").glob("*.svg"):
        assert b"\r\n" not in path.read_bytes(), path.name
