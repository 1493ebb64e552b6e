"""Turn uploaded bytes into text, refusing what is not a plain-text procedure page.

Messages are shown to users as they are, so they are written in Simplified Chinese.
"""

from __future__ import annotations

MAX_SOURCE_BYTES = 5 * 1024 * 1024
_SAMPLE = 4096
# Bytes that never occur in text files (C0 controls other than \t \n \r \f and ESC).
_CONTROL = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D, 0x1B}


class SourceError(Exception):
    """The upload cannot be imported; ``str(error)`` is a message for the user."""


def _label(filename: str) -> str:
    return f"文件“{filename}”" if filename else "文件"


def _looks_binary(data: bytes) -> bool:
    sample = data[:_SAMPLE]
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte in _CONTROL)
    return controls > len(sample) * 0.05


def _decode(data: bytes) -> str | None:
    # UTF-8 first: a GB18030 decode of UTF-8 bytes can succeed and yield nonsense.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _decode_utf16(data: bytes) -> str | None:
    try:
        return data.decode("utf-16")
    except UnicodeDecodeError:
        return None


def _text_of(data: bytes, label: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its byte-order mark
        text = _decode_utf16(data)
    elif _looks_binary(data):
        raise SourceError(
            f"{label}不是纯文本文件（可能是 Word、PDF 或图片），请另存为 .txt 后再导入。"
        )
    else:
        text = _decode(data)
    if text is None:
        raise SourceError(f"{label}的编码无法识别，请另存为 UTF-8 或 GBK 编码的文本文件。")
    return text


def read_source(data: bytes, filename: str = "") -> str:
    """Decode an uploaded page (UTF-8 with or without BOM, else GB18030/GBK) to text.

    A UTF-16 file with a byte-order mark is accepted too.  Raises ``SourceError`` for empty,
    oversized, binary or undecodable input.  Newlines are normalised to ``\\n``.
    """
    label = _label(filename)
    if len(data) > MAX_SOURCE_BYTES:
        limit = MAX_SOURCE_BYTES // (1024 * 1024)
        raise SourceError(f"{label}过大（{len(data) / 1048576:.1f} MB），上限为 {limit} MB。")
    if not data.strip():
        raise SourceError(f"{label}是空的，没有可导入的内容。")
    text = _text_of(data, label).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise SourceError(f"{label}是空的，没有可导入的内容。")
    return text
