"""The built Portal Sans SC fonts: renamed, TrueType, small tables, Simplified Chinese defaults."""

from __future__ import annotations

import os

import pytest
from fontTools.ttLib import TTFont

from portal.pdf.fonts import FAMILY, build_fonts, font_paths, fonts_up_to_date


@pytest.fixture(scope="module")
def regular(pdf_fonts_dir):
    with TTFont(str(font_paths(pdf_fonts_dir)[0])) as font:
        yield font


def test_build_is_idempotent(pdf_fonts_dir):
    before = [os.stat(p).st_mtime_ns for p in font_paths(pdf_fonts_dir)]
    assert fonts_up_to_date(pdf_fonts_dir)
    assert build_fonts(pdf_fonts_dir) == font_paths(pdf_fonts_dir)
    assert [os.stat(p).st_mtime_ns for p in font_paths(pdf_fonts_dir)] == before


def test_licence_sits_beside_the_fonts(pdf_fonts_dir):
    text = font_paths(pdf_fonts_dir)[-1].read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in text and "Adobe" in text


@pytest.mark.parametrize("style", ["Regular", "Bold"])
def test_fonts_are_renamed_truetype_without_gdef_or_vertical_metrics(pdf_fonts_dir, style):
    with TTFont(str(pdf_fonts_dir / f"PortalSansSC-{style}.ttf")) as font:
        check_renamed_truetype(font, style)


def check_renamed_truetype(font: TTFont, style: str) -> None:
    names = font["name"]
    assert (names.getDebugName(1), names.getDebugName(2)) == (FAMILY, style)
    assert not any(
        "Noto" in str(n) or "Source" in str(n) for n in names.names if n.nameID in (1, 4, 6)
    )
    assert "glyf" in font and "CFF " not in font
    for table in ("GDEF", "vhea", "vmtx", "VORG"):
        assert table not in font, table
    # Renumbered subset: about 23k glyphs instead of 65,535.
    assert 20_000 < font["maxp"].numGlyphs < 30_000


def test_coverage(regular):
    cmap = regular.getBestCmap()
    for char in "用印申请单李四张三（代）——①⑳⑴、。《》％ＡａYy0９℃㎡·…":
        assert ord(char) in cmap, char
    assert ord("㐀") not in cmap  # Extension A falls back to the system Noto


def test_em_dash_is_full_width_for_chinese(regular):
    """ZHS `locl` is the default: "——" joins into a full-width line as in the Noto SC face."""
    gsub = regular["GSUB"].table
    em_dash = regular.getBestCmap()[0x2014]
    hani = next(r.Script for r in gsub.ScriptList.ScriptRecord if r.ScriptTag == "hani")
    features = [gsub.FeatureList.FeatureRecord[i] for i in hani.DefaultLangSys.FeatureIndex]
    locl = [f for f in features if f.FeatureTag == "locl"]
    assert locl
    targets = []
    for index in locl[0].Feature.LookupListIndex:
        for sub in gsub.LookupList.Lookup[index].SubTable:
            mapping = getattr(sub, "mapping", None) or getattr(sub.ExtSubTable, "mapping", {})
            targets.append(mapping.get(em_dash))
    target = next(t for t in targets if t)
    assert regular["hmtx"][target][0] == 1000
