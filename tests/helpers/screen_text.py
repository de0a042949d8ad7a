"""The characters on a running app's screen, row by row (from its SVG screenshot)."""

from __future__ import annotations

import html
import re
from typing import Any

_TEXT = re.compile(r'<text [^>]*?x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>')
_CELL = 12.2  # the width of one cell in Rich's SVG export


def screen_text(app: Any) -> str:
    rows: dict[float, list[tuple[float, str]]] = {}
    for match in _TEXT.finditer(app.export_screenshot()):
        x, y = float(match.group(1)), float(match.group(2))
        rows.setdefault(y, []).append((x, html.unescape(match.group(3))))
    out = []
    for y in sorted(rows):
        line = ""
        for x, text in sorted(rows[y]):
            line = line.ljust(round(x / _CELL)) + text
        out.append(line.replace("\xa0", " ").rstrip())
    return "\n".join(line for line in out if line.strip())
