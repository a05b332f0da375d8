"""Grounded values from units: every value the form reader emits is built here, through the
same span arithmetic as the rest of the rules backend, so its ``raw`` is the original
characters at its ``span`` by construction — repaired values included, whose ``raw`` keeps
what was written (``290$``, ``1O``, ``95.\\n\\n10``) and whose ``repaired`` says how it was read.
"""

from __future__ import annotations

from decimal import Decimal

from pipeline.document import Document
from pipeline.extract.forms import values as V
from pipeline.extract.forms.tokens import Unit, offset_at
from pipeline.extract.grounding import cell_quantity, number_at, text_at
from pipeline.schema import Quantity, Text


def pieces_of(units: tuple[Unit, ...] | list[Unit]):
    return tuple(p for u in units for p in u.pieces)


def group_text(doc: Document, units) -> Text | None:
    return text_at(doc, units[0].start, units[-1].end)


def label_and_weight(doc: Document, units) -> tuple[Text | None, Quantity | None]:
    """A label with its weight inside (``决策(25 分)``): the label's text without the
    parenthesis, and the weight as a number grounded on its digits."""
    pieces = pieces_of(units)
    joined = "".join(p.text for p in pieces)
    m = V.WEIGHT_SUFFIX.search(joined)
    if not m or m.start() == 0:
        return group_text(doc, units), None
    # A PDF may run the rubric sentence before into the label (…得满分。明确性(5分)).
    head = max(joined.rfind(ch, 0, m.start()) for ch in "。；;！!？?") + 1
    label = text_at(doc, offset_at(pieces, head), offset_at(pieces, m.start() - 1) + 1)
    s, e = offset_at(pieces, m.start(1)), offset_at(pieces, m.end(1) - 1) + 1
    weight = number_at(doc, s, e, Decimal(m.group(1)))
    return label, weight


def number_of(doc: Document, units, *, unit: str | None = None) -> Quantity | None:
    """A unit holding one number (``10``, ``10分``, ``96%``, OCR's ``1O``), grounded on its
    digits; ``unit`` is the column's unit, ``%`` when the cell writes it."""
    u = units[0]
    n = V.number(u.text) or V.percent(u.text)
    repaired = u.repaired
    if n is None:
        n = V.ocr_number(u.text)
        if n is None:
            return None
        repaired = n.repaired
    unit = "%" if n.percent else unit
    pieces = pieces_of(units)
    s = offset_at(pieces, n.offset)
    e = offset_at(pieces, n.offset + n.length - 1) + 1
    q = number_at(doc, s, e, n.value, unit)
    return q.model_copy(update={"repaired": repaired}) if repaired else q


def digits_at(
    doc: Document, unit: Unit, a: int, b: int, *, unit_name: str | None, note: str
) -> Quantity | None:
    """The number written in characters [a, b) of a glued run (``21182118100%``)."""
    text = unit.text[a:b]
    pct = text.endswith("%")
    body = text.rstrip("%")
    value = V.to_decimal(body)
    if value is None:
        return None
    pieces = unit.pieces
    s = offset_at(pieces, a)
    e = offset_at(pieces, a + len(body) - 1) + 1
    q = number_at(doc, s, e, value, "%" if pct else unit_name)
    return q.model_copy(update={"repaired": note})


def _repaired_cell(doc: Document, start: int, end: int, n, **update) -> Quantity | None:
    """The cell at ``start:end`` grounded as written, holding the value OCR misread (``n``, a
    repaired reading of its characters) instead of what its characters parse to."""
    q = cell_quantity(doc, start, end)
    if q is None:
        return None
    return q.model_copy(update={"value": n.value, "text": None, "repaired": n.repaired, **update})


def value_cell(doc: Document, units, *, target: bool) -> Quantity | None:
    """A target or actual cell: the whole cell as raw, its number, unit and comparator parsed
    (``满意度 95% 以上``), or qualitative text; OCR misreads are repaired where unmistakable."""
    start, end = units[0].start, units[-1].end
    text = "".join(u.text for u in units)
    repaired = next((u.repaired for u in units if u.repaired), None)
    if target and (mis := V.misread_target(text)) is not None:
        comparator, n = mis
        return _repaired_cell(doc, start, end, n, unit="%", comparator=comparator)
    if len(units) == 1 and (n := V.ocr_number(text)) is not None:
        return _repaired_cell(doc, start, end, n, unit="%" if n.percent else None)
    if len(units) == 1 and (found := V.ocr_quantity(text)) is not None:
        n, unit = found  # I62件: 162 件
        return _repaired_cell(doc, start, end, n, unit=unit)
    q = cell_quantity(doc, start, end)
    if q is not None and repaired:
        # a number broken over lines: parse what it says without the break
        from pipeline.extract.numbers import parse_quantity

        parsed = parse_quantity(text)
        q = q.model_copy(update={**parsed, "repaired": repaired})
    return q
