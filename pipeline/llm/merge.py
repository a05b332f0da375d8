"""Merging the grounded pieces of every chunk into one Report.

Chunks overlap (narrative overlap, table headers repeated in every piece of a table), so the
same value can come back several times: values are the same when they stand at the same
place (same span; for funds figures also the same column meaning).  When two answers put
different things at one place, or different values in one single-valued field, the first in
document order is kept unless the other is grounded exactly where the first is only fuzzy,
and the disagreement is recorded as a ``Conflict``.

Scorecards are joined across the pieces of one table by their identity (title, group,
project name as written), so a table cut between rows comes back as one scorecard.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pipeline.llm.assemble import Piece
from pipeline.schema import (
    INDICATOR_VALUES,
    Conflict,
    FundsLine,
    Grounded,
    Meta,
    Personnel,
    Report,
    Scorecard,
    Span,
)


class Merger:
    def __init__(self) -> None:
        self.report = Report(doc_id="")
        self.conflicts: list[Conflict] = []
        self._cards: dict[tuple, Scorecard] = {}
        self._funds: dict[tuple[int, int], FundsLine] = {}
        self._fuzzy: set[tuple[int, int]] = set()

    # ------------------------------------------------------------------ helpers

    def _conflict(self, path: str, kept: Grounded | str, other: Grounded | str, reason: str):
        span = kept.span if isinstance(kept, Grounded) else None
        self.conflicts.append(
            Conflict(
                path=path,
                kept=kept.raw if isinstance(kept, Grounded) else kept,
                other=other.raw if isinstance(other, Grounded) else other,
                span=span,
                reason=reason,
            )
        )

    def _better(self, old: Grounded, new: Grounded) -> bool:
        """True when ``new`` should replace ``old``: exact where the old one is fuzzy."""
        return (
            old.span is not None
            and new.span is not None
            and old.span.as_tuple() in self._fuzzy
            and new.span.as_tuple() not in self._fuzzy
        )

    def _field(self, owner: object, name: str, new: Grounded | None, path: str) -> None:
        """Single-valued field: first wins; a different value is a conflict."""
        if new is None:
            return
        old = getattr(owner, name)
        if old is None:
            setattr(owner, name, new)
            return
        if _same_value(old, new):
            return
        if self._better(old, new):
            setattr(owner, name, new)
            self._conflict(path, new, old, "kept the exactly grounded reading")
        else:
            self._conflict(path, old, new, "two readings of one field; kept the first")

    # ------------------------------------------------------------------ parts

    def add(self, piece: Piece) -> None:
        self._fuzzy.update(f.found.span.as_tuple() for f in piece.fuzzy if f.found.span)
        for name in Meta.model_fields:
            if name == "report_kind":
                if self.report.meta.report_kind is None:
                    self.report.meta.report_kind = piece.meta.report_kind
                continue
            self._field(self.report.meta, name, getattr(piece.meta, name), f"meta.{name}")
        for name in Personnel.model_fields:
            self._field(
                self.report.personnel, name, getattr(piece.personnel, name), f"personnel.{name}"
            )
        self.report.funds += self._new_funds(piece.funds, "funds")
        for key, card in piece.scorecards:
            self._card(piece.table_index, key, card)
        self.report.facts += _new_by_span(self.report.facts, piece.facts, lambda f: f.quantity.span)
        self.report.sections += _new_by_span(
            self.report.sections, piece.sections, lambda s: s.heading.span
        )

    def _new_funds(self, lines: Iterable[FundsLine], path: str) -> list[FundsLine]:
        out = []
        for line in lines:
            at = line.amount.span.as_tuple()
            old = self._funds.get(at)
            if old is None:
                self._funds[at] = line
                out.append(line)
            elif old.measure != line.measure or old.category != line.category:
                self._conflict(
                    f"{path}.amount",
                    f"{old.label} ({old.category.value}, {old.measure.value})",
                    f"{line.label} ({line.category.value}, {line.measure.value})",
                    "one figure read as two different things; kept the first",
                )
        return out

    def _card(self, table_index: int | None, key: tuple, card: Scorecard) -> None:
        full = (table_index, *key)
        into = self._cards.get(full)
        if into is None:
            self._cards[full] = card
            card.funds = self._new_funds(card.funds, "scorecards.funds")
            card.indicators = _new_by_span([], card.indicators, lambda i: i.name.span)
            self.report.scorecards.append(card)
            return
        for name in ("title", "project_name", "supervisor", "implementer"):
            self._field(into, name, getattr(card, name), f"scorecards.{name}")
        for name in ("total_score", "max_score", "grade"):
            self._field(into, name, getattr(card, name), f"scorecards.{name}")
        into.funds += self._new_funds(card.funds, "scorecards.funds")
        into.goals += [g for g in card.goals if not any(_same_goal(g, old) for old in into.goals)]
        into.level_headers += _new_by_span(
            into.level_headers, card.level_headers, lambda h: h.weight.span
        )
        for row in card.indicators:
            same = next((i for i in into.indicators if _span(i.name) == _span(row.name)), None)
            if same is None:
                into.indicators.append(row)
                continue
            for cell in INDICATOR_VALUES:
                self._field(same, cell, getattr(row, cell), f"indicators.{cell}")

    def finish(self) -> Report:
        for card in self.report.scorecards:
            _inherit_levels(card)
        self.report.facts.sort(key=lambda f: _start(f.quantity))
        self.report.sections.sort(key=lambda s: _start(s.heading))
        return self.report


def merge_pieces(pieces: Sequence[Piece]) -> tuple[Report, list[Conflict]]:
    """One Report from the pieces of a document's chunks, in chunk order."""
    m = Merger()
    for piece in sorted(pieces, key=lambda p: (p.chunk, p.start)):
        m.add(piece)
    return m.finish(), m.conflicts


def _span(g: Grounded | None) -> tuple[int, int] | None:
    return g.span.as_tuple() if g is not None and g.span is not None else None


def _start(g: Grounded) -> int:
    return g.span.start if g.span else -1


def _same_value(a: Grounded, b: Grounded) -> bool:
    if _span(a) == _span(b):
        return True
    va, vb = getattr(a, "value", None), getattr(b, "value", None)
    if va is not None or vb is not None:
        return va == vb
    return "".join(a.raw.split()) == "".join(b.raw.split())


def _same_goal(a, b) -> bool:
    return (_span(a.expected), _span(a.actual)) == (_span(b.expected), _span(b.actual))


def _new_by_span(existing, new, span_of) -> list:
    seen: set[tuple[int, int] | None] = {
        s.as_tuple() if (s := span_of(x)) is not None else None for x in existing
    }
    out = []
    for x in new:
        s: Span | None = span_of(x)
        key = s.as_tuple() if s is not None else None
        if key in seen:
            continue
        seen.add(key)
        out.append(x)
    return out


def _inherit_levels(card: Scorecard) -> None:
    """Level-1 and level-2 cells are merged over the rows below them; a row whose chunk began
    below such a cell did not see it, and takes the level of the row above."""
    card.indicators.sort(key=lambda i: _start(i.name))
    for above, row in zip(card.indicators, card.indicators[1:], strict=False):
        if row.level1 is None and above.level1 is not None:
            row.level1 = above.level1
            if row.level2 is None and above.level2 is not None:
                row.level2 = above.level2
