"""Input safety: size caps, decoding and binary detection before any parsing happens."""

from __future__ import annotations

from catalog.cards.facts import ParseError

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024


def decode_document(data: bytes | str, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> str:
    """Bytes or text in, normalised text out (no BOM, ``\\n`` line ends), or a ParseError.

    The size check comes first and looks only at the length, so a 50 MB upload is refused
    without being decoded or scanned.
    """
    # A character is at least one byte, so a str longer than the cap is too big without encoding it.
    if isinstance(data, bytes) or len(data) > max_bytes:
        size = len(data)
    else:
        size = len(data.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise ParseError("too_large", f"Document is {size:,} bytes; the limit is {max_bytes:,} bytes.")
    if isinstance(data, bytes):
        if b"\x00" in data:
            raise ParseError("binary", "This looks like a binary file (it contains NUL bytes), not a text document.")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ParseError(
                "encoding", f"The document is not valid UTF-8 (byte {exc.start}: {data[exc.start:exc.start + 1]!r})."
            ) from exc
    else:
        text = data.removeprefix("\ufeff")
        if "\x00" in text:
            raise ParseError("binary", "This looks like a binary file (it contains NUL characters).")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ParseError("empty", "The document is empty.")
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\t\f\v")
    if controls > max(8, len(sample) // 50):
        raise ParseError("binary", "This looks like a binary file (too many control characters), not a text document.")
    return text
