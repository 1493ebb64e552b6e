"""read_source: what an upload must be before the importer reads it."""

from __future__ import annotations

import pytest

from portal.procedures.importer import MAX_SOURCE_BYTES, SourceError, read_source

SAMPLE = "仓库管理规定\n\n第一条 为规范仓库管理，制定本规定。\n"


def test_utf8_is_decoded_and_newlines_normalised():
    data = SAMPLE.replace("\n", "\r\n").encode("utf-8")
    assert read_source(data, "a.txt") == SAMPLE


def test_utf8_bom_is_dropped():
    assert read_source(b"\xef\xbb\xbf" + SAMPLE.encode("utf-8")) == SAMPLE


def test_gbk_file_is_decoded():
    assert read_source(SAMPLE.encode("gbk"), "legacy.txt") == SAMPLE


def test_gb18030_only_characters_are_decoded():
    text = "设备台账：㎜规格 ≥5 件\n"
    assert read_source(text.encode("gb18030")) == text


def test_old_mac_line_ends_are_normalised():
    assert read_source(b"a\rb\r\n") == "a\nb\n"


@pytest.mark.parametrize("data", [b"", b"   \n\t  \r\n"])
def test_empty_input_is_refused(data):
    with pytest.raises(SourceError, match="空的"):
        read_source(data, "empty.txt")


def test_binary_input_is_refused_with_the_file_name():
    data = b"%PDF-1.7\n" + bytes(range(256)) * 8
    with pytest.raises(SourceError) as caught:
        read_source(data, "scan.pdf")
    assert "scan.pdf" in str(caught.value)
    assert "不是纯文本文件" in str(caught.value)


def test_control_characters_without_nul_are_refused():
    data = bytes([1, 2, 3, 4, 5, 6, 7, 8]) * 100 + "文字".encode()
    with pytest.raises(SourceError, match="不是纯文本文件"):
        read_source(data)


def test_undecodable_text_is_refused():
    data = b"\x81\x30\xff\xfe" * 50  # neither UTF-8 nor GB18030, no control bytes
    with pytest.raises(SourceError, match="编码无法识别"):
        read_source(data, "odd.txt")


def test_ten_megabyte_file_is_refused_before_decoding():
    data = b"\xff" * (10 * 1024 * 1024)  # would fail to decode; size must be checked first
    with pytest.raises(SourceError) as caught:
        read_source(data, "big.txt")
    message = str(caught.value)
    assert "过大" in message and "10.0 MB" in message and "5 MB" in message


def test_limit_is_five_megabytes():
    assert MAX_SOURCE_BYTES == 5 * 1024 * 1024
    exactly = ("字" * (MAX_SOURCE_BYTES // 3)).encode("utf-8")
    assert len(read_source(exactly)) == MAX_SOURCE_BYTES // 3


def test_error_is_an_exception_with_a_chinese_message():
    error = SourceError("文件是空的，没有可导入的内容。")
    assert isinstance(error, Exception)
    assert str(error).startswith("文件")


def test_utf16_with_byte_order_mark_is_text_not_binary():
    assert read_source(SAMPLE.encode("utf-16")) == SAMPLE
