"""Document: what ingestion hands to every later stage.

It holds the original decoded text (the coordinate system of every span in a Report), the
normalized text the extractors read, and the offset map between the two.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.normalize import OffsetMap, normalize


@dataclass(frozen=True)
class Document:
    doc_id: str
    path: str
    format: str  # txt, md, docx, pdf
    encoding: str | None
    sha256: str
    original: str
    normalized: str = field(repr=False)
    offsets: OffsetMap = field(repr=False)
    warnings: tuple[str, ...] = ()

    @classmethod
    def from_text(
        cls,
        text: str,
        *,
        path: str | Path,
        format: str,
        encoding: str | None,
        raw_bytes: bytes,
        warnings: tuple[str, ...] = (),
    ) -> Document:
        normalized, offsets = normalize(text)
        return cls(
            doc_id=Path(path).stem,
            path=str(path),
            format=format,
            encoding=encoding,
            sha256=hashlib.sha256(raw_bytes).hexdigest(),
            original=text,
            normalized=normalized,
            offsets=offsets,
            warnings=warnings,
        )

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of a normalized span."""
        return self.offsets.to_original(start, end)
