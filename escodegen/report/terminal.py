"""Plain aligned tables for the terminal (no colour, so they also read well in logs)."""

from __future__ import annotations

import shutil
from collections.abc import Sequence

from escodegen.printable import escape


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; the last column is cut to the terminal width.
    Cells are `escape`d: a declared description or value cannot drive the terminal."""
    headers = [escape(str(h)) for h in headers]
    rows = [[escape(str(c)) for c in row] for row in rows]
    widths = [max(len(str(r[i])) for r in (headers, *rows)) for i in range(len(headers))]
    room = shutil.get_terminal_size((120, 24)).columns - sum(widths[:-1]) - 2 * (len(widths) - 1)
    lines = []
    for row in (headers, *rows):
        cells = [str(c).ljust(w) for c, w in zip(row[:-1], widths)]
        last = str(row[-1])
        if room > 20 and len(last) > room:
            last = last[: room - 1] + "…"
        lines.append("  ".join([*cells, last]).rstrip())
    return "\n".join(lines)
