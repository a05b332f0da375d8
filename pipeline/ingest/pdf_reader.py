"""PDF with a text layer (pypdf).  Scans without text are refused with a clear reason, and so
are PDFs that need a password.  AES-encrypted PDFs need ``cryptography`` (a dependency)."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from pipeline.errors import InputError


def read_pdf(path: Path, data: bytes) -> str:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        logging.getLogger("pypdf").setLevel(logging.ERROR)
        reader = PdfReader(io.BytesIO(data))
        # an encrypted PDF may open with the empty user password (a "no copying" PDF): try it
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(path, "PDF is encrypted and needs a password to open")
        pages = [page.extract_text() or "" for page in reader.pages]
    except InputError:
        raise
    except PdfReadError as e:
        raise InputError(path, f"not a readable PDF ({e})") from None
    except Exception as e:  # pypdf raises assorted errors on truncated files
        raise InputError(path, f"not a readable PDF ({type(e).__name__}: {e})") from None
    text = "\n".join(pages)
    if not text.strip():
        raise InputError(path, "PDF has no text layer (a scan?); OCR is not supported yet")
    return text
