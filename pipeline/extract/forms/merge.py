"""Setting the form reader's scorecards beside the layout grid's.

The grid reader is exact where a table's cells came through (each value is a whole cell);
the form reader reads any shape, but from a sequence of pieces, with less certainty about
where a cell ends.  So the two readings of one form are joined, not chosen between wholesale:
the reading that holds more of the form's values is the base, and the other fills what the
base lacks — a missing row, a missing target, a total — wherever its value stands on
characters the base has not read as something else.  A form only one reader saw is kept as
that reader read it.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from pipeline.schema import Grounded, Indicator, Scorecard, Span, iter_grounded

_SCALARS = (
    "title",
    "project_name",
    "supervisor",
    "implementer",
    "total_score",
    "max_score",
    "grade",
)
_CELLS = ("level1", "level2", "target", "actual", "weight", "score", "deviation_note")
_PREFER_OTHER = 1.1
"""How much better a reading must be to become the base: a grid reading is kept unless the
form reader's is at least 10% better (:func:`quality`)."""


@dataclass
class Merged:
    card: Scorecard
    readers: tuple[str, ...]  # which readers contributed, base first


def merge_cards(grid: list[Scorecard], pieces: list[Scorecard]) -> list[Merged]:
    """The scorecards of both readings, each form once, in document order."""
    merged = [Merged(c, ("grid",)) for c in grid]
    index = _Index(merged)
    absorbed: set[int] = set()
    for card in pieces:
        k = index.best_overlap(card)
        if k is None:
            merged.append(Merged(card, ("pieces",)))
            index.add(len(merged) - 1)
            continue
        target = merged[k]
        base, other = target.card, card
        readers = (*target.readers, "pieces")
        grid_base = True
        if quality(card) > _PREFER_OTHER * quality(base):
            base, other = card, base
            readers = ("pieces", *target.readers)
            grid_base = False
        target.card = _fill(base, other, rows=not grid_base)
        target.readers = tuple(dict.fromkeys(readers))
        for j in index.within(card, exclude=k):
            # another grid reading of the same form (its funds table cut off from its
            # indicators by a blank line): one form is one card
            target.card = _fill(target.card, merged[j].card, rows=True)
            absorbed.add(j)
            index.drop(j)
        index.add(k)
    merged = [m for j, m in enumerate(merged) if j not in absorbed]
    merged.sort(key=lambda m: _first(m.card))
    return merged


def _values(card: Scorecard) -> list[Span]:
    return [v.span for path, v in iter_grounded(card) if v.span is not None and path != "title"]


def quality(card: Scorecard) -> float:
    """How much of a form a reading holds whole: rows with their weight and score (the
    cells every scorecard fills; a score alone in a scoring table whose weights are in the
    labels), funds figures, the total.  Values alone would reward a reading that cuts one
    row into three."""
    rows = sum(
        1
        for i in card.indicators
        if i.score is not None and (i.weight is not None) and i.score.value is not None
    )
    return 3.0 * rows + len(card.funds) + 2.0 * (card.total_score is not None)


def _first(card: Scorecard) -> int:
    spans = _values(card)
    return min((s.start for s in spans), default=1 << 62)


class _Taken:
    """The characters a reading has already read, for "is this span free" questions."""

    def __init__(self, spans: list[Span]) -> None:
        self.ranges = sorted((s.start, s.end) for s in spans)
        self.starts = [r[0] for r in self.ranges]

    def overlaps(self, span: Span | None) -> bool:
        if span is None:
            return False
        k = bisect.bisect_left(self.starts, span.end)
        for a, b in reversed(self.ranges[max(0, k - 64) : k]):
            if a < span.end and span.start < b:
                return True
        return False

    def add(self, span: Span | None) -> None:
        if span is not None:
            k = bisect.bisect_left(self.starts, span.start)
            self.starts.insert(k, span.start)
            self.ranges.insert(k, (span.start, span.end))


class _Index:
    """Which merged cards hold values on which characters, for ``best_overlap``: each card's
    ``_Taken`` built once (again when its card changes), and the cards listed by the blocks
    of ``_BLOCK`` characters their values touch, so a reading is compared only with the
    cards whose values stand near its own, not with every card of the document."""

    def __init__(self, merged: list[Merged]) -> None:
        self.merged = merged
        self.taken: dict[int, _Taken] = {}
        self.blocks: dict[int, set[int]] = {}
        for k in range(len(merged)):
            self.add(k)

    def add(self, k: int) -> None:
        """Index merged card ``k``, new or changed (a block may still list it for values it
        no longer holds: the blocks only narrow the cards to look at)."""
        spans = _values(self.merged[k].card)
        self.taken[k] = _Taken(spans)
        for s in spans:
            for b in range(s.start // _BLOCK, max(s.start, s.end - 1) // _BLOCK + 1):
                self.blocks.setdefault(b, set()).add(k)

    def drop(self, k: int) -> None:
        """Forget card ``k`` (absorbed into another): no later reading is set beside it."""
        for cards in self.blocks.values():
            cards.discard(k)

    def within(self, card: Scorecard, exclude: int) -> list[int]:
        """The other grid cards without indicator rows every value of which stands on one
        of ``card``'s: the funds block or the header of the one form ``card`` read whole."""
        taken = _Taken(_values(card))
        out = []
        for k in sorted(self._near(card)):
            spans = _values(self.merged[k].card)
            if (
                k != exclude
                and self.merged[k].readers == ("grid",)
                and not self.merged[k].card.indicators  # a form's own table is its own card
                and spans
                and all(taken.overlaps(s) for s in spans)
            ):
                out.append(k)
        return out

    def _near(self, card: Scorecard) -> set[int]:
        near: set[int] = set()
        for s in _values(card):
            for b in range(s.start // _BLOCK, max(s.start, s.end - 1) // _BLOCK + 1):
                near |= self.blocks.get(b, set())
        return near

    def best_overlap(self, card: Scorecard) -> int | None:
        """The index of the merged card with most of ``card``'s values overlapping its own
        (the first of them in the list), or None when none overlaps."""
        spans = _values(card)
        best, best_n = None, 0
        for k in sorted(self._near(card)):
            taken = self.taken[k]
            n = sum(1 for s in spans if taken.overlaps(s))
            if n > best_n:
                best, best_n = k, n
        return best


_BLOCK = 512


def _free(taken: _Taken, value: Grounded | None) -> bool:
    return value is not None and value.span is not None and not taken.overlaps(value.span)


def _fill(base: Scorecard, other: Scorecard, *, rows: bool) -> Scorecard:
    """``base`` with what ``other`` adds on characters ``base`` left unread.  Whole rows and
    funds lines are added only when ``rows``: a grid that read its form is not second-guessed
    row by row by a reading that saw less of it; only its empty cells are filled."""
    base = base.model_copy(deep=True)
    taken = _Taken(_values(base))
    for name in _SCALARS:
        value = getattr(other, name)
        if getattr(base, name) is None and (
            name == "title" and value is not None or _free(taken, value)
        ):
            setattr(base, name, value)
            taken.add(value.span if name != "title" else None)
    for line in other.funds if rows or not base.funds else ():
        if _free(taken, line.amount):
            base.funds.append(line)
            taken.add(line.amount.span)
    if rows and not base.goals:
        base.goals = list(other.goals)
    for lh in other.level_headers:
        if _free(taken, lh.weight):
            base.level_headers.append(lh)
            taken.add(lh.weight.span)
    names = _Taken([i.name.span for i in base.indicators if i.name.span is not None])
    for ind in other.indicators:
        row = next((b for b in base.indicators if _same_row(b, ind)), None)
        if row is not None:
            for cell in _CELLS:
                value = getattr(ind, cell)
                if getattr(row, cell) is None and (_free(taken, value) or cell.startswith("level")):
                    setattr(row, cell, value)
                    if not cell.startswith("level"):
                        taken.add(value.span)
            continue
        cells = [getattr(ind, c) for c in ("name", "target", "actual", "weight", "score")]
        if (
            not rows
            or names.overlaps(ind.name.span)
            or any(v is not None and v.span is not None and taken.overlaps(v.span) for v in cells)
        ):
            continue
        base.indicators.append(ind)
        for v in cells:
            if v is not None:
                taken.add(v.span)
    base.indicators.sort(key=lambda i: i.name.span.start if i.name.span else 1 << 62)
    if base.kind != other.kind and other.project_name is not None and base.project_name is None:
        base.kind = other.kind
    return base


def _same_row(a: Indicator, b: Indicator) -> bool:
    return a.name.span is not None and b.name.span is not None and a.name.span.overlaps(b.name.span)
