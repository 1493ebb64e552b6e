"""Build the PDF fonts: Noto Sans CJK SC turned into small TrueType fonts named "Portal Sans SC".

WeasyPrint subsets fonts keeping glyph ids, so a CFF font whose Chinese glyphs sit at high ids
costs ~240 KB per one-page PDF; the same glyphs as TrueType outlines cost ~28 KB (see
docs/decisions/001-pdf-font.md). We subset to Simplified Chinese first, renumbering the glyphs,
which makes the conversion several times faster. Run once at setup:
``python -m portal.pdf.fonts [DEST]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FONT_DIR = REPO_ROOT / "instance" / "fonts"
FAMILY = "Portal Sans SC"
SOURCE_FAMILY = "Noto Sans CJK SC"
STYLES = ("Regular", "Bold")
LICENCE_FILE = "OFL.txt"
MANIFEST_FILE = "fonts.json"
# Bump when the recipe below changes so that existing builds are redone.
RECIPE_VERSION = 1
# cu2qu tolerance in font units (1000 per em): 2 units is invisible at any print size and
# measured 28 KB per form against 31 KB for 1 unit.
MAX_ERR = 2.0
KNOWN_SOURCES = {
    "Regular": Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    "Bold": Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
}
COPYRIGHT_SOURCE = Path("/usr/share/doc/fonts-noto-cjk/copyright")

# Everything GB 2312 covers outside hanzi, the whole CJK Unified Ideographs block (GBK level)
# and the symbols our forms use. Characters outside fall back to the system Noto Sans CJK SC
# through the CSS font stack, so this only decides what is small, not what prints.
UNICODE_RANGES = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x017F),  # Latin-1 and Latin Extended-A (pinyin tones ā é ī)
    (0x01CD, 0x01DC),  # pinyin third tone ǎ ǐ ǒ ǔ ǖ ǘ ǚ ǜ
    (0x02C7, 0x02D9),  # ˇ ˉ ˊ ˋ ˙ (GB 2312 spacing modifiers)
    (0x0370, 0x03FF),  # Greek (units: μ Ω)
    (0x0400, 0x045F),  # Cyrillic, as in GB 2312
    (0x2000, 0x206F),  # General Punctuation: — ‘’ “” … ‰ ※
    (0x2070, 0x20CF),  # superscripts, subscripts, currency
    (0x2100, 0x218F),  # ℃ № Ⅰ–Ⅻ
    (0x2190, 0x23FF),  # arrows, maths, ⌀
    (0x2460, 0x24FF),  # ①–⑳ ⑴–⒇ ⒈–⒛
    (0x2500, 0x27BF),  # box drawing, ■□●○★☆, ☐☑, ✓✔
    (0x2E3A, 0x2E3B),  # two- and three-em dashes
    (0x3000, 0x303F),  # CJK Symbols and Punctuation: 、。「」《》【】〔〕
    (0x3040, 0x30FF),  # kana (GB 2312 row 4 and 5; the middle dot ・)
    (0x3100, 0x312F),  # bopomofo
    (0x3200, 0x33FF),  # ㈠ ㊣ ㎡ ㎏
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms ︰ ﹏
    (0xFF00, 0xFFEF),  # full-width and half-width forms
)
# Features HarfBuzz applies to horizontal text. `locl` is kept only for Simplified Chinese
# (see _make_simplified_chinese_default): it turns "——" into full-width dashes. Dropping the
# other features (vert, fwid, aalt, ...) keeps their alternate glyphs out of the subset.
LAYOUT_FEATURES = ("ccmp", "locl", "rlig", "calt", "clig", "liga", "kern", "mark", "mkmk")


@dataclass(frozen=True)
class Source:
    """One face of the system font: a .ttc/.otc collection plus the SC face index."""

    style: str
    path: Path
    index: int


def font_file_name(style: str) -> str:
    """File name of one built weight, e.g. PortalSansSC-Bold.ttf."""
    return f"PortalSansSC-{style}.ttf"


def font_paths(dest: Path) -> list[Path]:
    """The files build_fonts() produces (Regular, Bold, then the licence)."""
    return [dest / font_file_name(style) for style in STYLES] + [dest / LICENCE_FILE]


def build_fonts(dest: Path = DEFAULT_FONT_DIR, force: bool = False, progress=None) -> list[Path]:
    """Build Portal Sans SC Regular and Bold into dest unless they are already up to date.

    Returns the paths of the fonts and the licence file. Both weights are converted in parallel
    processes because each takes tens of seconds of pure CPU.
    """
    dest = Path(dest)
    sources = [find_source(style) for style in STYLES]
    outputs = font_paths(dest)
    if not force and _up_to_date(dest, sources):
        return outputs
    dest.mkdir(parents=True, exist_ok=True)
    jobs = [
        (src.path, src.index, src.style, out) for src, out in zip(sources, outputs, strict=False)
    ]
    # spawn: the caller may be a threaded web or test process, where fork is unsafe.
    started = time.perf_counter()
    with ProcessPoolExecutor(
        max_workers=min(len(jobs), os.cpu_count() or 1), mp_context=get_context("spawn")
    ) as pool:
        futures = {pool.submit(_build_one, *job): job[2] for job in jobs}
        for future in as_completed(futures):  # one line per font as it is done
            if progress is not None:
                progress(f"  {futures[future]} done ({time.perf_counter() - started:.0f} s)")
        stats = [future.result() for future in futures]
    _write_licence(dest / LICENCE_FILE, _copyright(sources[0]))
    manifest = {
        "recipe": RECIPE_VERSION,
        "family": FAMILY,
        "sources": [{"style": s.style, "path": str(s.path), "index": s.index} for s in sources],
        "fonts": stats,
    }
    (dest / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return outputs


def fonts_up_to_date(dest: Path = DEFAULT_FONT_DIR) -> bool:
    """True when build_fonts(dest) would have nothing to do."""
    try:
        sources = [find_source(style) for style in STYLES]
    except FileNotFoundError:
        return False
    return _up_to_date(Path(dest), sources)


def _up_to_date(dest: Path, sources: list[Source]) -> bool:
    """True when every output exists, is newer than its source and the recipe is unchanged."""
    outputs = font_paths(dest)
    try:
        manifest = json.loads((dest / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if manifest.get("recipe") != RECIPE_VERSION or not all(p.exists() for p in outputs):
        return False
    newest_source = max(src.path.stat().st_mtime for src in sources)
    return all(p.stat().st_mtime >= newest_source for p in outputs[: len(STYLES)])


def find_source(style: str) -> Source:
    """Locate the system's Noto Sans CJK SC face for a style through fontconfig."""
    path = None
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", f"{SOURCE_FAMILY}:style={style}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
        path = Path(found) if found else None
    except (OSError, subprocess.SubprocessError):
        path = None
    for candidate in (path, KNOWN_SOURCES[style]):
        if candidate is not None and candidate.exists():
            index = _sc_face_index(candidate, style)
            if index is not None:
                return Source(style, candidate, index)
    raise FileNotFoundError(
        f"{SOURCE_FAMILY} {style} not found; install it with: apt-get install fonts-noto-cjk"
    )


def _sc_face_index(path: Path, style: str) -> int | None:
    """Index of the Noto Sans CJK SC face of this style in a collection (0 for a single font)."""
    from fontTools.ttLib import TTCollection, TTFont

    if path.suffix.lower() in (".ttc", ".otc"):
        with TTCollection(str(path), lazy=True) as collection:
            return _face_index(collection.fonts, style)
    with TTFont(str(path), lazy=True) as font:
        return _face_index([font], style)


def _face_index(fonts, style: str) -> int | None:
    for index, font in enumerate(fonts):
        names = font["name"]
        if names.getDebugName(1) == SOURCE_FAMILY and names.getDebugName(2) == style:
            return index
    # fc-match may answer with a substitute family when Noto is missing: not ours.
    return None


def _build_one(src: Path, index: int, style: str, out: Path) -> dict:
    """Subset, convert and rename one weight; written atomically so readers never see half."""
    from fontTools.ttLib import TTFont

    started = time.perf_counter()
    tmp = out.with_name(out.name + f".{os.getpid()}.tmp")
    with TTFont(str(src), fontNumber=index) as font:
        _make_simplified_chinese_default(font)
        _subset(font)
        _cff_to_glyf(font)
        _rename(font, style)
        font.save(str(tmp))
        glyphs = len(font.getGlyphOrder())
    os.replace(tmp, out)
    return {
        "file": out.name,
        "glyphs": glyphs,
        "bytes": out.stat().st_size,
        "seconds": round(time.perf_counter() - started, 1),
    }


def _make_simplified_chinese_default(font) -> None:
    """Make the ZHS language system every script's default and drop the others.

    Their `locl` lookups would pull the Japanese, Korean and Traditional glyph variants into
    the subset (40k instead of 23k glyphs), while ZHS's own `locl` (full-width — and quotes)
    must apply whatever language Pango reports.
    """
    for tag in ("GSUB", "GPOS"):
        if tag not in font:
            continue
        for record in font[tag].table.ScriptList.ScriptRecord:
            script = record.Script
            zhs = next((r.LangSys for r in script.LangSysRecord if r.LangSysTag == "ZHS "), None)
            if zhs is not None:
                script.DefaultLangSys = zhs
            script.LangSysRecord = []
            script.LangSysCount = 0


def _subset(font) -> None:
    """Keep the Simplified Chinese glyphs, renumbered from 1 so that they sit at low ids."""
    from fontTools import subset

    cmap = font.getBestCmap()
    unicodes = [cp for lo, hi in UNICODE_RANGES for cp in range(lo, hi + 1) if cp in cmap]
    options = subset.Options()
    options.layout_features = list(LAYOUT_FEATURES)
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    options.hinting = False  # CFF hints cannot be converted; PDF viewers do not need them.
    options.desubroutinize = True
    # Vertical metrics would only serve vertical text, which our documents never use.
    options.drop_tables += ["vhea", "vmtx", "VORG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    # HarfBuzz 6 fails to subset TrueType CJK fonts whose GDEF covers every glyph, and
    # WeasyPrint then embeds the whole font; CJK text needs no glyph classes.
    if "GDEF" in font:
        del font["GDEF"]


def _cff_to_glyf(font) -> None:
    """Replace the CFF cubic outlines by TrueType quadratic ones (fontTools' otf2ttf recipe)."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        # CFF contours run counter-clockwise, TrueType ones clockwise.
        glyph_set[name].draw(Cu2QuPen(pen, MAX_ERR, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    del font["CFF "]
    glyf.compile(font)  # computes each glyph's bounds, needed for lsb and maxp below
    hmtx = font["hmtx"]
    for name, glyph in glyphs.items():
        hmtx[name] = (hmtx[name][0], getattr(glyph, "xMin", 0))  # empty glyphs have no box
    _truetype_maxp(font)
    post = font["post"]
    post.formatType = 3.0  # no glyph names: CID fonts have none worth keeping
    post.extraNames, post.mapping = [], {}
    font.sfntVersion = "\x00\x01\x00\x00"


def _truetype_maxp(font) -> None:
    """A version 1.0 maxp, as TrueType outlines require (CFF fonts carry version 0.5)."""
    from fontTools.ttLib import newTable

    num_glyphs = len(font.getGlyphOrder())
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.numGlyphs = num_glyphs
    for field in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
        "maxComponentDepth",
    ):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    maxp.recalc(font)


def _rename(font, style: str) -> None:
    """Rename the family: the OFL forbids shipping a modified font under its original name."""
    names = font["name"]
    version = names.getDebugName(5) or ""
    description = names.getDebugName(10) or ""
    ps_name = f"PortalSansSC-{style}"
    renamed = {1, 2, 3, 4, 6, 16, 17, 18, 21, 22, 25}
    names.names = [n for n in names.names if n.nameID not in renamed]
    values = {
        1: FAMILY,
        2: style,
        3: f"{ps_name};{version}",
        4: f"{FAMILY} {style}",
        6: ps_name,
        10: f"Derived from {SOURCE_FAMILY} {style} ({version}): subset to Simplified Chinese, "
        f"TrueType outlines, renamed. {description}".strip(),
    }
    for name_id, value in values.items():
        names.setName(value, name_id, 3, 1, 0x409)


def _copyright(src: Source) -> tuple[str, str]:
    """The source face's copyright notice (name ID 0), which the OFL asks us to keep, and its
    licence summary (IDs 13 and 14) in case the full text is not installed."""
    from fontTools.ttLib import TTFont

    with TTFont(str(src.path), fontNumber=src.index, lazy=True) as font:
        names = font["name"]
        summary = f"{names.getDebugName(13) or ''}\n{names.getDebugName(14) or ''}".strip()
        return names.getDebugName(0) or "", summary


def _write_licence(path: Path, notices: tuple[str, str]) -> None:
    """Write the copyright notice and the OFL text of fonts-noto-cjk beside the fonts."""
    copyright_notice, summary = notices
    try:
        text = COPYRIGHT_SOURCE.read_text(encoding="utf-8")
    except OSError:
        text = ""  # Slim images may drop /usr/share/doc; the font's own summary remains.
    # Debian's copyright file indents a licence paragraph by one space; " ." is a blank line.
    match = re.search(r"^License: SIL-1\.1\n((?:[ \t].*(?:\n|$))+)", text, re.MULTILINE)
    body = summary
    if match:
        lines = match[1].splitlines()
        body = "\n".join("" if line.strip() == "." else line[1:] for line in lines).strip()
    header = (
        f"{FAMILY} Regular and Bold are modified versions of {SOURCE_FAMILY}\n"
        "(Debian fonts-noto-cjk, https://github.com/googlefonts/noto-cjk): subset to Simplified\n"
        "Chinese, converted to TrueType outlines and renamed. They remain under the SIL Open\n"
        "Font License 1.1, reproduced below.\n\n"
        f"{copyright_notice}\n\n"
    )
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(header + body + "\n", encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    """Command line: build the fonts and say what happened."""
    parser = argparse.ArgumentParser(prog="python -m portal.pdf.fonts", description=__doc__)
    parser.add_argument("dest", nargs="?", type=Path, default=DEFAULT_FONT_DIR)
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    sources = [find_source(style) for style in STYLES]
    if not args.force and _up_to_date(args.dest, sources):
        print(f"fonts up to date in {args.dest}")
        return 0
    print(
        "Building the PDF fonts once (Regular and Bold, from Noto Sans CJK; about a minute on "
        "two cores). Later runs skip this.",
        flush=True,
    )
    for src in sources:
        print(f"source {src.style}: {src.path} face {src.index}", flush=True)
    paths = build_fonts(args.dest, force=True, progress=lambda line: print(line, flush=True))
    for path in paths:
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    print(f"built in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
