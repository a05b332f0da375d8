"""Readers that turn a file into a Document, chosen by file extension and content.

Every failure is an ``InputError`` naming the file and the reason, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.document import Document
from pipeline.errors import InputError
from pipeline.ingest.docx_reader import read_docx
from pipeline.ingest.pdf_reader import read_pdf
from pipeline.ingest.text_reader import read_text

MAX_BYTES = 50 * 1024 * 1024
TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
SUFFIXES = TEXT_SUFFIXES | {".docx", ".pdf"}


def read_document(path: str | Path) -> Document:
    """Read one file into a Document, or raise InputError saying why it cannot be."""
    p = Path(path)
    if not p.exists():
        raise InputError(p, "no such file")
    if p.is_dir():
        raise InputError(p, "is a directory, not a file")
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise InputError(
                p, f"file is {size / 1e6:.0f} MB; the limit is {MAX_BYTES / 1e6:.0f} MB"
            )
        data = p.read_bytes()
    except OSError as e:
        raise InputError(p, f"cannot be read ({e.strerror or e})") from None
    if not data.strip():
        raise InputError(p, "file is empty")
    suffix = p.suffix.lower()
    if suffix == ".docx" or (suffix not in SUFFIXES and data[:2] == b"PK"):
        text, fmt, enc, warnings = read_docx(p, data), "docx", None, ()
    elif suffix == ".pdf" or data[:5] == b"%PDF-":
        text, fmt, enc, warnings = read_pdf(p, data), "pdf", None, ()
    elif suffix in TEXT_SUFFIXES or suffix == "":
        text, enc, warnings = read_text(p, data)
        fmt = "md" if suffix in {".md", ".markdown"} else "txt"
    else:
        raise InputError(p, f"unsupported file type {suffix!r} (supported: .txt, .md, .docx, .pdf)")
    if not text.strip():
        raise InputError(p, "no text could be read from the file")
    return Document.from_text(
        text, path=p, format=fmt, encoding=enc, raw_bytes=data, warnings=warnings
    )


def iter_inputs(paths: list[str | Path]) -> list[Path]:
    """Expand folders into the supported files inside them (sorted), keep files as given."""
    out: list[Path] = []
    for path in paths:
        p = Path(path)
        if p.is_dir():
            out.extend(
                sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
            )
        else:
            out.append(p)
    return out
