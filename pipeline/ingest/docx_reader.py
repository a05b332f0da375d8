"""Word .docx: paragraphs and real tables, in document order.

Tables are written in the "one cell per tab-indented line, blank line between rows" layout
that Word's own text export uses (the layout of most legacy reports), so one table
reconstruction serves both real .docx files and their text exports.  Vertically merged
cells are written once and left empty below, as Word exports them.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from pipeline.errors import InputError

MAX_UNCOMPRESSED = 512 * 2**20
"""Bytes all members of a .docx may inflate to.  python-docx holds every part of the package
in memory and parses its XML into a tree several times the XML's size, so this bounds the
memory a file can claim (a 5 MB file whose document.xml inflates to 1 GB reached 15.7 GB)."""
MAX_RATIO = 100
"""Largest compression ratio of a member over ``RATIO_FLOOR``: Word's XML deflates 5–20×,
images barely; a zip bomb is deflated zeros or spaces, over 1000×."""
RATIO_FLOOR = 2**20
MAX_MEMBERS = 10_000


def _check_package(path: Path, data: bytes) -> None:
    """Refuse a package whose declared sizes would inflate past the limits, before anything
    is decompressed.  The declared sizes are enough: Python's zipfile never inflates a
    member past the size its directory entry states."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        raise InputError(path, f"not a readable .docx file ({e})") from None
    if len(members) > MAX_MEMBERS:
        raise InputError(
            path, f"not a .docx a report would be: {len(members)} parts in the package"
        )
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED:
        raise InputError(
            path,
            f"the .docx inflates to {total / 2**20:.0f} MiB; the limit is "
            f"{MAX_UNCOMPRESSED // 2**20} MiB (a zip bomb?)",
        )
    for m in members:
        if m.file_size > RATIO_FLOOR and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise InputError(
                path,
                f"{m.filename} is compressed {m.file_size / max(m.compress_size, 1):.0f}:1 "
                f"(limit {MAX_RATIO}:1); refused as a likely zip bomb",
            )


def read_docx(path: Path, data: bytes) -> str:
    _check_package(path, data)
    try:
        import docx  # python-docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise InputError(path, f"not a readable .docx file ({e})") from None
    except Exception as e:  # python-docx raises assorted errors on corrupt packages
        raise InputError(path, f"not a readable .docx file ({type(e).__name__}: {e})") from None

    parts: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            parts.append(Paragraph(child, document).text)
        elif tag == "tbl":
            parts.append(_table_text(Table(child, document)))
    return "\n".join(parts) + "\n"


def _table_text(table) -> str:
    rows_out: list[str] = []
    for row in table.rows:
        cells_out: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            # python-docx repeats a horizontally merged cell once per grid column.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            vmerge = cell._tc.tcPr is not None and cell._tc.tcPr.vMerge is not None
            text = "" if vmerge and cell._tc.tcPr.vMerge.val != "restart" else cell.text
            cells_out.append("\t" + text.replace("\t", " "))
        rows_out.append("\n".join(cells_out))
    return "\n" + "\n\n".join(rows_out) + "\n"
