"""Text normalization that keeps an exact map back to the original characters.

What changes, and why:
- ``[bookmark: …]`` artifacts of Word exports are deleted: they sit inside cells and numbers.
- ideographic, no-break and other odd spaces become a plain space (one for one, so two
  numbers separated by ``　`` never fuse); zero-width characters and form feeds are deleted.
- full-width digits, ``．`` and ``％`` become ASCII (``１２０．００`` → ``120.00``); every other
  character is kept as written.
- ``\\r\\n`` and lone ``\\r`` become ``\\n``.
- page-furniture lines (``- 3 -``, ``第 3 页 共 10 页``, ``3/10``) are deleted whole.

Every normalized character remembers the original range it came from, so any normalized span
maps back to the exact original characters (``OffsetMap.to_original``).  All rules except the
line-level ones are character-local; line rules apply only to lines whose both ends lie inside
the text given (``fragment=True`` treats the edges of a slice as mid-line), which is what
makes "normalize(original[map(span)]) == normalized[span]" hold for every span.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

BOOKMARK = re.compile(r"\[bookmark: [^\]\n]*\]")
_FURNITURE = re.compile(
    r"[ \t\u3000]*(?:[-—–]\s*\d{1,4}\s*[-—–]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4})[ \t\u3000]*"
)
_DELETE_CHARS = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\f"}
_TO_SPACE = {"\u3000", "\u00a0", "\u202f", "\u205f", *map(chr, range(0x2000, 0x200B))}
_CHAR_MAP = {chr(0xFF10 + i): str(i) for i in range(10)} | {"．": ".", "％": "%"}


@dataclass(frozen=True)
class OffsetMap:
    """For normalized character i: it came from original[start(i):start(i) + 1].

    Normalization maps one character to one (or deletes it), so the original offsets of the
    normalized characters rise by one from character to character except across a deletion.
    The map is kept as those runs: ``run_starts[k]`` is the normalized index where run k
    begins and ``run_origins[k]`` the original offset of that character, a few integers per
    deletion instead of two per character.  Lookups bisect the runs."""

    run_starts: tuple[int, ...]
    run_origins: tuple[int, ...]
    length: int  # of the normalized text
    original_length: int

    def start_of(self, i: int) -> int:
        """The original offset of normalized character ``i`` (0 <= i < length)."""
        k = bisect_right(self.run_starts, i) - 1
        return self.run_origins[k] + (i - self.run_starts[k])

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalized span [start, end) to the original span covering the same text."""
        n = self.length
        if not (0 <= start <= end <= n):
            raise ValueError(f"span {start}-{end} is outside the normalized text (length {n})")
        if start == end:
            pos = self.start_of(start) if start < n else self.original_length
            return pos, pos
        return self.start_of(start), self.start_of(end - 1) + 1

    def _before(self, pos: int) -> int:
        """How many normalized characters come from original offsets below ``pos``."""
        k = bisect_left(self.run_origins, pos) - 1
        if k < 0:
            return 0
        run_end = self.run_starts[k + 1] if k + 1 < len(self.run_starts) else self.length
        return self.run_starts[k] + min(run_end - self.run_starts[k], pos - self.run_origins[k])

    def to_normalized(self, start: int, end: int) -> tuple[int, int]:
        """Map an original span to the smallest normalized span whose characters lie in it."""
        s = self._before(start)
        e = self._before(end)
        return s, max(s, e)


def _deleted_ranges(text: str, fragment: bool) -> list[tuple[int, int]]:
    ranges = [(m.start(), m.end()) for m in BOOKMARK.finditer(text)]
    pos = 0
    while pos <= len(text):
        nl = text.find("\n", pos)
        line_end = len(text) if nl < 0 else nl
        at_start = pos > 0 or not fragment
        at_end = nl >= 0 or not fragment
        if at_start and at_end and line_end > pos and _FURNITURE.fullmatch(text, pos, line_end):
            ranges.append((pos, line_end + 1 if nl >= 0 else line_end))
        if nl < 0:
            break
        pos = nl + 1
    ranges.sort()
    merged: list[tuple[int, int]] = []
    for s, e in ranges:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def normalize(text: str, *, fragment: bool = False) -> tuple[str, OffsetMap]:
    """Normalize ``text``; return the normalized text and its map back to ``text``."""
    deleted = _deleted_ranges(text, fragment)
    out: list[str] = []
    run_starts: list[int] = []
    run_origins: list[int] = []
    last = -2  # original offset of the last character kept
    d = 0
    i = 0
    n = len(text)
    while i < n:
        if d < len(deleted) and i >= deleted[d][0]:
            i = max(i, deleted[d][1])
            d += 1
            continue
        ch = text[i]
        if ch in _DELETE_CHARS or (ch == "\r" and i + 1 < n and text[i + 1] == "\n"):
            i += 1
            continue
        if ch == "\r":
            ch = "\n"
        elif ch in _TO_SPACE:
            ch = " "
        else:
            ch = _CHAR_MAP.get(ch, ch)
        if i != last + 1:
            run_starts.append(len(out))
            run_origins.append(i)
        out.append(ch)
        last = i
        i += 1
    return "".join(out), OffsetMap(tuple(run_starts), tuple(run_origins), len(out), n)
