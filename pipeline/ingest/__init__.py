"""Readers that turn a file into a Document, chosen by file extension and content.

Every failure is an ``InputError`` naming the file and the reason, never a traceback.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePath

from pipeline.document import Document
from pipeline.errors import InputError
from pipeline.ingest.docx_reader import read_docx
from pipeline.ingest.pdf_reader import read_pdf
from pipeline.ingest.text_reader import read_text

MAX_BYTES = 50 * 2**20
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
"""A report is in Chinese: a text without one ideograph lost them in a copy (a GBK file
read as Latin-1 and saved as ASCII turns each into '?')."""
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
                p, f"file is {size / 2**20:.1f} MiB; the limit is {MAX_BYTES // 2**20} MiB"
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
    if not _CJK.search(text):
        warnings = (
            *warnings,
            "no Chinese characters in the text (were they turned into '?' by a copy "
            "through another encoding?)",
        )
    return Document.from_text(
        text, path=p, format=fmt, encoding=enc, raw_bytes=data, warnings=warnings
    )


def input_files(
    paths: list[str | Path], exclude: Path | None = None
) -> list[tuple[Path, PurePath]]:
    """Every input file with the name its outputs mirror: a folder expands into the
    supported files inside it (sorted), each named by its path relative to that folder
    (``sub1/b.txt``); a file given by itself is named by its file name.  A file given twice
    (or inside two folders given) is listed once; files under ``exclude`` (the output
    folder, whose drafts are Markdown) are left out of the folders' files."""
    out: list[tuple[Path, PurePath]] = []
    seen: set[str] = set()
    skip = exclude.resolve() if exclude is not None else None

    def add(f: Path, name: PurePath, found: bool) -> None:
        key = os.path.realpath(f)
        if key in seen or (found and skip is not None and Path(key).is_relative_to(skip)):
            return
        seen.add(key)
        out.append((f, name))

    for path in paths:
        p = Path(path)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.suffix.lower() in SUFFIXES and f.is_file():
                    add(f, PurePath(f.relative_to(p)), True)
        else:
            add(p, PurePath(p.name), False)
    return out


def iter_inputs(paths: list[str | Path]) -> list[Path]:
    """Expand folders into the supported files inside them (sorted), keep files as given."""
    return [f for f, _ in input_files(paths)]
