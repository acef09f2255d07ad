"""Input safety: size caps, decoding and binary detection before any parsing happens.

Every later stage (front matter, YAML, tables, prose) may assume it gets bounded, decoded
text with ``\\n`` line ends and no NUL characters.
"""

from __future__ import annotations

import re

from catalog.cards.facts import ParseError

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024

# C0 controls other than tab/newline/form feed/vertical tab/carriage return (CR is gone by the
# time we count), DEL and the C1 block. Real cards contain essentially none of them.
_CONTROL = re.compile(r"[\x01-\x08\x0e-\x1f\x7f-\x9f]")
# Above this share of control characters the "text" is a binary file decoded by luck.
_MAX_CONTROL_SHARE = 0.02
_MIN_CONTROL_COUNT = 8  # a handful of stray escapes in a long card is not a binary file
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def check_size(data: bytes | str, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> int:
    """The document's size in bytes, or ParseError ``too_large``.

    Only lengths are looked at: a 50 MB upload is refused without being decoded or scanned.
    A character is at least one UTF-8 byte, so a ``str`` longer than the cap is too big
    without encoding it.
    """
    if isinstance(data, bytes) or len(data) > max_bytes:
        size = len(data)
    else:
        size = len(data.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise ParseError("too_large", f"Document is {size:,} bytes; the limit is {max_bytes:,} bytes.")
    return size


def decode_document(data: bytes | str, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> str:
    """Bytes or text in, normalised text out (no BOM, ``\\n`` line ends), or a ParseError.

    Codes: ``too_large``, ``binary`` (NUL bytes or many control characters), ``encoding``
    (invalid UTF-8, UTF-16, lone surrogates), ``empty``.
    """
    if not isinstance(data, (bytes, bytearray, memoryview, str)):
        raise ParseError("encoding", f"Expected bytes or text, got {type(data).__name__}.")
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    check_size(data, max_bytes=max_bytes)
    if isinstance(data, bytes):
        if data.startswith(_UTF16_BOMS):
            raise ParseError("encoding", "The document is UTF-16 encoded; save it as UTF-8 and upload it again.")
        if b"\x00" in data:
            raise ParseError("binary", "This looks like a binary file (it contains NUL bytes), not a text document.")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ParseError(
                "encoding",
                f"The document is not valid UTF-8 (byte {exc.start}: {data[exc.start:exc.start + 1]!r}).",
            ) from exc
    else:
        text = data.removeprefix("\ufeff")
        if "\x00" in text:
            raise ParseError("binary", "This looks like a binary file (it contains NUL characters).")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:  # lone surrogates cannot be stored or rendered
            raise ParseError("encoding", f"The text contains an invalid character at position {exc.start}.") from exc
    # Windows (CRLF) and classic Mac (CR) line ends: every later regex assumes "\n".
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ParseError("empty", "The document is empty.")
    controls = len(_CONTROL.findall(text))
    if controls > max(_MIN_CONTROL_COUNT, len(text) * _MAX_CONTROL_SHARE):
        raise ParseError("binary", "This looks like a binary file (too many control characters), not a text document.")
    return text
