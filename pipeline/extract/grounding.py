"""Turning spans of the normalized text into grounded values.

Extractors find things in the normalized text; every value they emit is built here, so its
``raw`` is by construction the original characters at its ``span`` (original coordinates).
"""

from __future__ import annotations

from decimal import Decimal

from pipeline.document import Document
from pipeline.extract.numbers import parse_quantity
from pipeline.layout.lines import trim
from pipeline.schema import Quantity, Span, Text


def span_of(doc: Document, start: int, end: int) -> tuple[Span, str]:
    """Original span and raw text of the normalized span [start, end), trimmed."""
    start, end = trim(doc.normalized, start, end)
    s, e = doc.offsets.to_original(start, end)
    return Span(start=s, end=e), doc.original[s:e]


def text_at(doc: Document, start: int, end: int) -> Text | None:
    start, end = trim(doc.normalized, start, end)
    if start >= end:
        return None
    span, raw = span_of(doc, start, end)
    return Text(raw=raw, span=span)


def number_at(
    doc: Document, start: int, end: int, value: Decimal, unit: str | None = None
) -> Quantity:
    """A number token (no unit characters in raw) with its value and unit."""
    span, raw = span_of(doc, start, end)
    return Quantity(raw=raw, span=span, value=value, unit=unit)


def cell_quantity(doc: Document, start: int, end: int) -> Quantity | None:
    """A whole cell read as a target/actual: raw is the cell, value parsed when it states
    exactly one number, else the text is kept as qualitative."""
    start, end = trim(doc.normalized, start, end)
    if start >= end:
        return None
    span, raw = span_of(doc, start, end)
    parsed = parse_quantity(doc.normalized[start:end])
    return Quantity(raw=raw, span=span, **parsed)
