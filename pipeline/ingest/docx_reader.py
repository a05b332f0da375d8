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


def read_docx(path: Path, data: bytes) -> str:
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
