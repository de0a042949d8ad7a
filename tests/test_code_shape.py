"""The shape of the code: no function too long to read, none too tangled to follow.

A function's length is its own lines: a function defined inside it is measured on its own,
not again as part of its parent. Complexity is ruff's C901 (mccabe) at the limit set in
pyproject.toml (15); a function that truly reads best as one piece says why in its
`# noqa: C901 — reason`, which ruff then accepts.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "recontui"
MAX_LINES = 80

Function = ast.FunctionDef | ast.AsyncFunctionDef


def own_length(node: Function) -> int:
    """Lines of ``node`` less those of the functions defined directly inside it."""
    total = node.end_lineno - node.lineno + 1  # type: ignore[operator]
    nested = 0
    todo = list(ast.iter_child_nodes(node))
    while todo:
        child = todo.pop()
        if isinstance(child, Function):
            nested += child.end_lineno - child.lineno + 1  # type: ignore[operator]
        else:
            todo.extend(ast.iter_child_nodes(child))
    return total - nested


def long_functions(root: Path, limit: int) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, Function) and (length := own_length(node)) > limit:
                where = path.relative_to(root.parents[1])
                found.append(f"{where}:{node.lineno} {node.name} {length}")
    return found


def test_own_length_leaves_nested_functions_to_themselves() -> None:
    tree = ast.parse("def outer():\n    x = 1\n    def inner():\n        return 2\n    return x\n")
    outer = tree.body[0]
    assert isinstance(outer, ast.FunctionDef)
    assert own_length(outer) == 3


def test_no_function_in_recontui_is_longer_than_80_lines() -> None:
    offenders = long_functions(SRC, MAX_LINES)
    assert offenders == [], "split these (file:line name length):\n" + "\n".join(offenders)


def test_no_function_in_recontui_is_more_complex_than_15_without_a_reason() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--select",
            "C901",
            "--output-format",
            "concise",
            "--no-cache",
            str(SRC),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
