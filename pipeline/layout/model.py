"""What layout reconstruction produces: tables as grids of cells, and the heading tree.

All spans here are in the *normalized* text (``Document.normalized``); ``Document`` maps them
back to the original.  ``text`` of a cell is the exact normalized slice at its span (trimmed),
so a value found inside a cell can be grounded by offset arithmetic alone.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

_WS = re.compile(r"\s+")


class Cell(BaseModel):
    row: int
    col: int
    text: str = Field(description="normalized text of the cell, trimmed, inner line breaks kept")
    start: int
    end: int
    rowspan: int = 1
    colspan: int = 1

    @property
    def clean(self) -> str:
        """Cell text with all whitespace removed: cells break words over lines freely."""
        return _WS.sub("", self.text)


class Table(BaseModel):
    index: int
    format: str = Field(description="word-cells, bar-cells, pipe, tsv or flat")
    start: int
    end: int
    rows: list[list[Cell]]
    title: str | None = None
    title_start: int | None = None
    title_end: int | None = None
    uncertain: list[str] = Field(default_factory=list, description="why the grid may be wrong")

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def grid(self) -> list[list[str]]:
        """Rows of clean cell texts, for display and tests."""
        return [[c.clean for c in row] for row in self.rows]


class Heading(BaseModel):
    level: int
    marker: str = Field(description="the numbering as written: 一、 （一） 1. ## …")
    text: str = Field(description="heading text without its marker")
    start: int
    end: int
    parent: int | None = Field(default=None, description="index of the enclosing heading")
    uncertain: str | None = None


class Layout(BaseModel):
    tables: list[Table] = Field(default_factory=list)
    headings: list[Heading] = Field(default_factory=list)
