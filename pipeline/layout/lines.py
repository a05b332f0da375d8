"""Lines of the normalized text with their offsets, classified by what they can start.

Table readers and the heading reader both walk these, so the classification lives once here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    BLANK = "blank"  # an empty line: in the Word layout, the row separator
    SPACE = "space"  # whitespace only: inside a cell it is content (a padded line)
    CELL = "cell"  # a Word-export cell: one leading tab, nothing tab-separated after it
    TABROW = "tabrow"  # a row of tab-separated cells
    PIPE = "pipe"  # a markdown pipe-table row
    BAR = "bar"  # a cell line ending in " |"
    TEXT = "text"


@dataclass(frozen=True)
class Line:
    no: int  # 0-based line number
    start: int  # offset of the first character
    end: int  # offset just past the last character (before the newline)
    text: str
    kind: Kind

    @property
    def stripped(self) -> str:
        return self.text.strip()


_PIPE = re.compile(r"^\s*\|.*\|\s*$")
_CELL = re.compile(r"^ *\t[^\t]*$")


def classify(text: str) -> Kind:
    if not text:
        return Kind.BLANK
    if _CELL.match(text):
        return Kind.CELL
    if not text.strip():
        return Kind.SPACE
    if _PIPE.match(text):
        return Kind.PIPE
    if "\t" in text.strip(" ") or text.count("\t") >= 2:
        return Kind.TABROW
    if text.rstrip().endswith(" |") and not text.lstrip().startswith("|"):
        return Kind.BAR
    return Kind.TEXT


def split_lines(text: str) -> list[Line]:
    out: list[Line] = []
    pos = 0
    for no, chunk in enumerate(text.split("\n")):
        out.append(Line(no, pos, pos + len(chunk), chunk, classify(chunk)))
        pos += len(chunk) + 1
    return out


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) of ``text`` so it neither starts nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
