"""The document as a sequence of pieces: what the form reader reads, whatever the layout.

A national form reaches us in many text shapes (Word cells, pipes, tabs, single spaces on one
line, one cell per line or paragraph, PDF wraps, OCR runs).  What survives every shape is the
*order* of the cells' contents and, more or less faithfully, the separators between them.  So
the text is cut at every run of whitespace and at every ``|`` into pieces, and each piece
remembers how strong the separator before it was: one space inside a line (a word break as
likely as a cell break), a tab, a pipe or a run of spaces (a cell break), a line break, a
blank line.  Readers group pieces back into cells by the forms' vocabulary and value
patterns, using the separators only as evidence.

Pieces are slices of the *normalized* text: ``text == normalized[start:end]`` always, so a
value read from pieces is grounded by offset arithmetic alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum


class Gap(IntEnum):
    """The separator before a piece, weakest first."""

    NONE = 0  # the first piece, or glued (a split inside one run of characters)
    SOFT = 1  # one space inside a line
    HARD = 2  # a tab, a pipe, or two or more spaces
    LINE = 3  # one line break
    BLANK = 4  # an empty line (or several)


@dataclass(frozen=True, slots=True)
class Piece:
    start: int
    end: int
    text: str
    gap: Gap

    def __repr__(self) -> str:  # compact, for test failures
        return f"Piece({self.text!r}@{self.start}, {self.gap.name})"


_ATOM = re.compile(r"[^\s|]+")
_RULE = re.compile(r"^:?-{3,}:?$|^#{1,6}$|^[-—_=]{3,}$")
"""Markdown table rules, heading marks and drawn lines: layout, not content."""
_EMPTY_LINE = re.compile(r"\n[ \t\u3000]*\n")


def gap_between(text: str, a: int, b: int) -> Gap:
    """Classify the separator ``text[a:b]`` (whitespace and pipes)."""
    if a >= b:
        return Gap.NONE
    sep = text[a:b]
    if "\n" in sep:
        return Gap.BLANK if _EMPTY_LINE.search(sep) else Gap.LINE
    if "\t" in sep or "|" in sep or len(sep) >= 2:
        return Gap.HARD
    return Gap.SOFT


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Piece]:
    """The pieces of ``text[start:end]``, in order."""
    end = len(text) if end is None else end
    out: list[Piece] = []
    prev = None
    for m in _ATOM.finditer(text, start, end):
        s, e = m.start(), m.end()
        if _RULE.match(m.group()):
            continue
        gap = Gap.NONE if prev is None else gap_between(text, prev, s)
        out.append(Piece(s, e, m.group(), gap))
        prev = e
    return out


def joined_text(pieces: list[Piece] | tuple[Piece, ...]) -> str:
    """The pieces' texts run together: the forms' words do not contain spaces, so a label
    broken over lines or by a PDF's spacing (``一级\\n指标``, ``决策(25 分)``) reads whole."""
    return "".join(p.text for p in pieces)


def line_start(text: str, piece: Piece) -> bool:
    """Does ``piece`` begin its line (only whitespace before it on the line)?"""
    k = piece.start - 1
    while k >= 0 and text[k] in " \t\u3000|":
        k -= 1
    return k < 0 or text[k] == "\n"


@dataclass(frozen=True, slots=True)
class Unit:
    """One or more pieces read as one thing (a cell, a label broken over lines, a number
    broken over lines).  ``text`` runs their texts together; ``repaired`` says why pieces
    were joined where a reader would not join them (a number split by a line break)."""

    pieces: tuple[Piece, ...]
    repaired: str | None = None

    @property
    def text(self) -> str:
        return joined_text(self.pieces)

    @property
    def start(self) -> int:
        return self.pieces[0].start

    @property
    def end(self) -> int:
        return self.pieces[-1].end

    @property
    def gap(self) -> Gap:
        return self.pieces[0].gap


def offset_at(pieces: tuple[Piece, ...] | list[Piece], k: int) -> int:
    """The normalized offset of character ``k`` of the pieces' joined text (``k`` equal to
    the joined length gives the end of the last piece)."""
    for p in pieces:
        n = p.end - p.start
        if k < n:
            return p.start + k
        k -= n
    return pieces[-1].end


_BROKEN_NUMBER_HEAD = re.compile(r"^\d+\.$")
_BROKEN_NUMBER_TAIL = re.compile(r"^\d+(?:[%％$])?$")


_WEIGHT_OPEN = re.compile(r"[（(]\s*\d+(?:\.\d+)?$")
_WEIGHT_CLOSE = re.compile(r"^分[)）]")
_WEIGHT_ONLY = re.compile(r"^[（(]\d+(?:\.\d+)?分[)）]$")
_CJK_END = re.compile(r"[\u4e00-\u9fff]$")


def units_of(pieces: list[Piece]) -> list[Unit]:
    """One unit per piece, except what a line break or a PDF's spacing cut out of one cell:

    - a number broken over lines (``95.`` then ``10%``), joined back and marked repaired: a
      decimal point ends no cell;
    - a label's weight cut from it (``决策`` / ``(20 分)``, ``绩效目标合理性(6`` / ``分)``):
      a parenthesised weight belongs to the label before it, as ``决策(20分)`` is written
      on one line."""
    out: list[Unit] = []
    for unit in _numbers_joined(pieces):
        if out and _WEIGHT_CLOSE.match(unit.text) and _WEIGHT_OPEN.search(out[-1].text):
            out[-1] = Unit(out[-1].pieces + unit.pieces, out[-1].repaired)
        else:
            out.append(unit)
        # a whole weight, written so or just joined from two pieces, goes to its label
        if len(out) > 1 and _WEIGHT_ONLY.match(out[-1].text) and _CJK_END.search(out[-2].text):
            weight = out.pop()
            out[-1] = Unit(out[-1].pieces + weight.pieces, out[-1].repaired)
    return out


def _numbers_joined(pieces: list[Piece]) -> list[Unit]:
    out: list[Unit] = []
    i = 0
    while i < len(pieces):
        p = pieces[i]
        nxt = pieces[i + 1] if i + 1 < len(pieces) else None
        if (
            nxt is not None
            and nxt.gap in (Gap.LINE, Gap.BLANK)
            and _BROKEN_NUMBER_HEAD.match(p.text)
            and _BROKEN_NUMBER_TAIL.match(nxt.text)
        ):
            note = f"number {p.text}{nxt.text} joined across a line break"
            out.append(Unit((p, nxt), repaired=note))
            i += 2
            continue
        out.append(Unit((p,)))
        i += 1
    return out
