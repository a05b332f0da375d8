"""Plain text and Markdown: UTF-8 (with or without BOM), GB18030/GBK and the rest detected.

Legacy reports are often GBK; the detected encoding is reported on the Document so that a
user can see when a guess was made.
"""

from __future__ import annotations

from pathlib import Path

from charset_normalizer import from_bytes

from pipeline.errors import InputError

# Control characters other than tab, newline, carriage return and form feed: a text file
# with many of them is binary.
_CONTROL = set(range(0, 32)) - {9, 10, 12, 13}


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    bad = sum(1 for b in sample if b in _CONTROL)
    return bad > max(8, len(sample) // 100)


def read_text(path: Path, data: bytes) -> tuple[str, str, tuple[str, ...]]:
    """Decode ``data``; return (text, encoding name, warnings)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(path, data[3:], "utf-8"), "utf-8-sig", ()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(path, data, "utf-16"), "utf-16", ()
    if b"\x00" in data[:8192]:  # UTF-8 and GB18030 text never holds a NUL; UTF-16 text does
        found = _utf16_without_bom(data)
        if found is not None:
            text, encoding = found
            return text, encoding, (f"no byte-order mark: read as {encoding.upper()}",)
    if _looks_binary(data):
        raise InputError(path, "looks like a binary file, not text (NUL or control bytes)")
    try:
        return data.decode("utf-8"), "utf-8", ()
    except UnicodeDecodeError as e:
        utf8_error = e
    # A UTF-8 file cut in the middle of a character: keep what is there, say so.
    if utf8_error.start >= len(data) - 3 and utf8_error.reason == "unexpected end of data":
        text = data[: utf8_error.start].decode("utf-8")
        return (
            text,
            "utf-8",
            (f"file ends inside a UTF-8 character at byte {utf8_error.start}; last bytes dropped",),
        )
    try:
        text = data.decode("gb18030")
        if _mostly_cjk_or_ascii(text):
            return text, "gb18030", ()
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise InputError(
            path, "text encoding could not be determined (not UTF-8, GB18030 or any known encoding)"
        )
    return str(best), best.encoding, (f"encoding guessed as {best.encoding}",)


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 text saved without a byte-order mark (Windows tools do this): the decoding,
    little- or big-endian, that gives text, or None.  Text means it decodes strictly and is
    mostly CJK and ASCII with no control characters but line breaks and tabs; a binary file
    decoded as UTF-16 gives scattered code points and controls, which fail that."""
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data[: len(data) // 2 * 2].decode(encoding)
        except UnicodeDecodeError:
            continue
        if _mostly_cjk_or_ascii(text) and not any(ord(c) in _CONTROL for c in text[:4096]):
            return text, encoding
    return None


def _strict(path: Path, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise InputError(
            path, f"declared {encoding} but byte {e.start} is invalid ({e.reason})"
        ) from None


def _mostly_cjk_or_ascii(text: str) -> bool:
    if not text:
        return False
    ok = sum(
        1 for c in text if ord(c) < 128 or "\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef"
    )
    return ok / len(text) > 0.9
