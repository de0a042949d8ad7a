"""Only the store speaks SQL: no module outside ``store/`` runs a statement or builds one."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import recontui

PACKAGE = Path(recontui.__file__).parent
#: Where SQL belongs (``store/``) and what is not recontui's own data: the sandbox is a
#: stand-in for the two remote systems, with its own database. ``connectors/`` is left
#: out because its query strings (``SELECT * FROM Customer ...`` in connectors/qbo.py)
#: are QuickBooks' query language sent over HTTP, not SQL.
OUTSIDE = ("store", "sandbox", "connectors")
RUNS_SQL = {"execute", "executemany", "executescript"}
#: A statement as recontui writes them: the keyword in capitals, then a word boundary.
SQL_START = re.compile(r"\s*(SELECT|UPDATE|INSERT|DELETE)\b")


def _text(node: ast.expr) -> str | None:
    """The leading literal text of a string argument (plain or f-string), if any."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        return _text(node.values[0])  # type: ignore[arg-type]  # a Constant or a FormattedValue
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _text(node.left)
    return None


def sql_uses(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        # A statement is always the first argument (``SyncRun.execute()`` runs a sync).
        if isinstance(node.func, ast.Attribute) and node.func.attr in RUNS_SQL and node.args:
            found.append((node.lineno, f".{node.func.attr}(...)"))
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            text = _text(arg)
            if text and SQL_START.match(text):
                found.append((arg.lineno, f"SQL text {text.strip()[:40]!r}"))
    return sorted(found)


def test_no_module_outside_the_store_runs_or_builds_sql() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in OUTSIDE:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        offenders += [f"{relative}:{line}: {what}" for line, what in sql_uses(tree)]
    assert offenders == [], "SQL outside store/:\n" + "\n".join(offenders)


def test_the_check_finds_each_kind_of_sql_use() -> None:
    source = (
        "conn.execute('x')\n"
        "run.execute()\n"
        "db.executemany('x', [])\n"
        "c.executescript('x')\n"
        "rows(db, 'SELECT 1')\n"
        "rows(db, f'  UPDATE links SET {column}=1')\n"
        "q(sql='DELETE FROM t' + where)\n"
        "print('Selected: 3 records')\n"
        "say('Update the record in QuickBooks', 'SELECTIONS')\n"
    )
    assert [line for line, _ in sql_uses(ast.parse(source))] == [1, 3, 4, 5, 6, 7]
