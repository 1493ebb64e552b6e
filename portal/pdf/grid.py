"""Register PDFs (pdf/register.html's data) written directly as a grid of text: a 500-row
register through WeasyPrint costs 6-7 s of CPU (about 1 ms per table cell, whatever the CSS,
see docs/decisions/022-register-pdf-speed.md); drawn here it costs a fraction of a second.

What it draws follows templates/pdf/register.html and static/css/print.css: A4 landscape,
the company, title and filters on page 1, the header row on every page, rows never split,
dates and codes never broken, "第 x 页 / 共 y 页" and the printed time in the footer, the
project's own font embedded as a subset. `render()` returns None for what it does not draw
(a character outside Portal Sans SC, fonts not built, a row taller than a page): the caller
renders the template then.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pydyf
from fontTools import subset
from fontTools.ttLib import TTFont

from portal.pdf.fonts import font_file_name

# fontTools logs every subset at INFO (the glyph lists of each document).
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

MM = 72 / 25.4
PAGE_W, PAGE_H = 297 * MM, 210 * MM
# @page landscape { margin: 14mm 12mm 16mm 12mm } in print.css.
TOP, RIGHT, BOTTOM, LEFT = 14 * MM, 12 * MM, 16 * MM, 12 * MM
LINE_W = PAGE_W - LEFT - RIGHT
BORDER = 0.5  # pt, table.data borders
PAD_X, PAD_Y = 0.6 * MM, 0.25 * MM  # register.html's cell padding
CELL_LEADING = 1.2  # register.html's line-height
HEADER_GREY = (0.925, 0.925, 0.925)  # #ececec
# The em box of Noto Sans CJK (typo ascender 880, descender -120): text centred in its line.
ASCENT, DESCENT = 0.88, 0.12

# Text is drawn glyph by glyph, unshaped (no kerning, no ligatures), as a register needs.
_UNUSED_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "DSIG")
_CJK = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
# No line starts with closing punctuation nor ends with opening punctuation (as UAX #14).
_CLOSING = set("，。、：；！？）》」』】〕〉’”%‰℃·…—")
_OPENING = set("（《「『【〔〈‘“")
_ATOM = re.compile(rf"[ \t\r\n\f\v]+|[{_CJK}]|[^ \t\r\n\f\v{_CJK}]+")


@dataclass
class _Face:
    """One font file: metrics for layout and, per document, the subset to embed."""

    path: Path
    cmap: dict[int, str]
    advances: dict[str, int]
    upm: int
    postscript_name: str
    # The font less its layout and vertical tables, and its glyph order: what a subset is
    # cut from. Reading these from the 6.7 MB file for each document cost ~0.6 s a face.
    stripped: bytes
    glyph_order: list[str]

    @classmethod
    def load(cls, path: Path) -> _Face:
        # Read once, shared by threads: everything used later is a plain value.
        with TTFont(path) as font:
            advances = {name: width for name, (width, _) in font["hmtx"].metrics.items()}
            name = font["name"].getDebugName(6) or path.stem
            cmap, upm = font.getBestCmap(), font["head"].unitsPerEm
            order = font.getGlyphOrder()
            for tag in _UNUSED_TABLES:
                if tag in font:
                    del font[tag]
            buffer = io.BytesIO()
            font.save(buffer)
        return cls(path, cmap, advances, upm, name, buffer.getvalue(), list(order))

    def width(self, text: str, size: float) -> float:
        cmap, advances = self.cmap, self.advances
        return sum(advances[cmap[ord(ch)]] for ch in text) * size / self.upm

    def covers(self, text: str) -> bool:
        cmap = self.cmap
        return all(ord(ch) in cmap for ch in text)


_faces: dict[tuple[Path, int], _Face] = {}
_faces_lock = threading.Lock()


def _face(font_dir: Path, style: str) -> _Face | None:
    path = font_dir / font_file_name(style)
    if not path.is_file():
        return None
    key = (path, path.stat().st_mtime_ns)
    with _faces_lock:
        face = _faces.get(key)
        if face is None:
            for stale in [k for k in _faces if k[0] == path]:  # the file was rebuilt
                del _faces[stale]
            face = _faces[key] = _Face.load(path)
        return face


@dataclass
class _Used:
    """The characters a document shows in one face, for its subset."""

    face: _Face
    name: str  # resource name, e.g. /F0
    chars: set[str] = field(default_factory=set)
    gids: dict[str, int] = field(default_factory=dict)  # set when the subset is embedded


@dataclass
class _Text:
    x: float
    y: float  # baseline, from the top of the page
    text: str
    size: float
    font: _Used
    grey: float = 0.0
    spacing: float = 0.0  # letter-spacing, points


@dataclass
class _Page:
    texts: list[_Text] = field(default_factory=list)
    fills: list[tuple[float, float, float, float]] = field(default_factory=list)
    lines: list[tuple[float, float, float, float]] = field(default_factory=list)


def render(data: dict, font_dir: Path) -> bytes | None:
    """The register as PDF bytes, or None when the template must draw it."""
    regular, bold = _face(font_dir, "Regular"), _face(font_dir, "Bold")
    if regular is None or bold is None:
        return None
    doc = _Register(data, _Used(regular, "F0"), _Used(bold, "F1"))
    if not doc.covered():
        return None
    return doc.write()


class _Register:
    def __init__(self, data: dict, regular: _Used, bold: _Used):
        self.data = data
        self.regular, self.bold = regular, bold
        self.company = _clean(data.get("company") or "")
        self.title = _clean(data.get("title") or "")
        self.size = float(data.get("font_size") or 8)
        self.columns = [c if isinstance(c, dict) else {"label": c} for c in data["columns"]]
        self.labels = [_clean(str(c.get("label") or "")) for c in self.columns]
        self.rows = [
            [_clean("" if v is None else str(v)) for v in row] for row in data.get("rows") or []
        ]
        self.filters = "　".join(
            f"{_clean(str(f['label']))}：{_clean(str(f['value']))}"
            for f in data.get("filters") or []
        )
        self.summary = _clean(data.get("summary") or "")
        self.printed_at = _clean(data.get("printed_at") or "")
        self.hash = _clean(data.get("content_hash") or "")
        self.verify_url = _clean(data.get("verify_url") or "")
        self.running = " · ".join(x for x in (self.company, self.title) if x)

    def strings(self) -> tuple[list[str], list[str]]:
        regular = [self.company, self.filters, self.summary, self.running, self.verify_url]
        regular += [v for row in self.rows for v in row]
        regular += ["打印时间：", self.printed_at, "第 页 / 共", "0123456789"]
        regular += ["校验码 内容校验码（SHA-256）：核验地址：", self.hash, "（无）"]
        return regular, [self.title, *self.labels]

    def covered(self) -> bool:
        regular, bold = self.strings()
        return all(map(self.regular.face.covers, regular)) and all(map(self.bold.face.covers, bold))

    # ---- layout ------------------------------------------------------------------------

    def widths(self) -> list[float]:
        fixed = [_length(c.get("width")) for c in self.columns]
        taken = sum(w for w in fixed if w is not None)
        free = [i for i, w in enumerate(fixed) if w is None]
        share = max(LINE_W - taken, 0) / len(free) if free else 0
        widths = [share if w is None else w for w in fixed]
        scale = LINE_W / sum(widths) if sum(widths) > 0 else 1
        return [w * scale for w in widths]

    def write(self) -> bytes | None:
        widths = self.widths()
        xs = [LEFT]
        for w in widths:
            xs.append(xs[-1] + w)
        pages = [_Page()]
        y = TOP
        page = pages[0]
        if self.company:
            y = self.block(page, self.company, y, 11, 1.5, self.regular, "center")
        margin = 0.0  # the title's bottom margin collapses with the heading's when it is last
        if self.title:
            y = self.block(page, self.title, y, 15, 1.3, self.bold, "center", spacing=1.5)
            margin = 2 * MM
        if self.filters:
            y = self.block(page, self.filters, y + margin, 9, 1.5, self.regular, "left", grey=0.2)
            margin = 0.0
        y += max(margin, 3 * MM)

        aligns = [c.get("align") or "left" for c in self.columns]
        header = self.row_layout(self.labels, widths, self.bold)
        rows = [self.row_layout(r, widths, self.regular) for r in self.rows]
        limit = PAGE_H - BOTTOM
        top = y
        y = self.draw_row(page, header, xs, top, ["center"] * len(xs), header=True)
        if not rows:  # one cell across the table, as data_table's empty row
            self.frame(page, xs, top, y)
            top = y
            xs = [xs[0], xs[-1]]
            rows, aligns = [self.row_layout(["（无）"], [LINE_W], self.regular)], ["center"]
        if top + header[1] + rows[0][1] > limit or any(
            row[1] > limit - TOP - header[1] for row in rows
        ):
            return None  # a row taller than a page, or a heading that fills page 1
        for row in rows:
            height = row[1]
            if y + height > limit and y > top + header[1] + 0.01:
                self.frame(page, xs, top, y)
                page = _Page()
                pages.append(page)
                top = TOP
                y = self.draw_row(page, header, xs, top, ["center"] * len(xs), header=True)
            y = self.draw_row(page, row, xs, y, aligns)
        self.frame(page, xs, top, y)

        if self.summary:
            y += 2 * MM
            if y + 9 * 1.5 > limit:
                page = _Page()
                pages.append(page)
                y = TOP
            y = self.block(page, self.summary, y, 9, 1.5, self.regular, "right")
        closing = [
            x
            for x in (
                f"内容校验码（SHA-256）：{self.hash}" if self.hash else "",
                f"核验地址：{self.verify_url}" if self.verify_url else "",
            )
            if x
        ]
        if closing:
            y += 6 * MM
            height = sum(len(self.wrap(t, LINE_W, 7, self.regular)) for t in closing) * 7 * 1.4
            if y + height > limit:
                page = _Page()
                pages.append(page)
                y = TOP
            for text in closing:
                y = self.block(page, text, y, 7, 1.4, self.regular, "left", grey=0.267)

        for number, page in enumerate(pages, 1):
            self.margins(page, number, len(pages))
        return self.pdf(pages)

    def block(self, page, text, y, size, leading, font, align, grey=0.0, spacing=0.0) -> float:
        """A paragraph across the page's width; returns the y below it."""
        for line in self.wrap(text, LINE_W, size, font, spacing):
            width = font.face.width(line, size) + spacing * len(line)
            x = LEFT + {"left": 0, "center": (LINE_W - width) / 2, "right": LINE_W - width}[align]
            page.texts.append(
                _Text(x, _baseline(y, size, leading), line, size, font, grey, spacing)
            )
            y += size * leading
        return y

    def row_layout(self, values, widths, font) -> tuple[list[list[str]], float]:
        lines = [
            self.wrap(v, w - 2 * PAD_X - BORDER, self.size, font)
            for v, w in zip(values, widths, strict=False)
        ]
        most = max((len(x) for x in lines), default=1) or 1
        return lines, most * self.size * CELL_LEADING + 2 * PAD_Y + BORDER

    def draw_row(self, page, row, xs, y, aligns, header=False) -> float:
        lines, height = row
        if header:
            page.fills.append((xs[0], y, xs[-1] - xs[0], height))
        font = self.bold if header else self.regular
        step = self.size * CELL_LEADING
        for i, cell in enumerate(lines):
            left, right = xs[i] + BORDER / 2 + PAD_X, xs[i + 1] - BORDER / 2 - PAD_X
            top = y + (height - len(cell) * step) / 2  # vertical-align: middle
            for n, line in enumerate(cell):
                width = font.face.width(line, self.size)
                align = aligns[i] if i < len(aligns) else "left"
                x = {
                    "center": (left + right - width) / 2,
                    "right": right - width,
                }.get(align, left)
                baseline = _baseline(top + n * step, self.size, CELL_LEADING)
                page.texts.append(_Text(x, baseline, line, self.size, font))
        page.lines.append((xs[0], y + height, xs[-1], y + height))
        return y + height

    def frame(self, page, xs, top, bottom) -> None:
        """The outer border and the column rules of one page's part of the table."""
        page.lines.append((xs[0], top, xs[-1], top))
        for x in xs:
            page.lines.append((x, top, x, bottom))

    def margins(self, page, number, total) -> None:
        if number > 1 and self.running:
            # @top-center: 8pt, #555, bottom-aligned 2 mm above the page area.
            self.margin_text(page, self.running, TOP - 2 * MM - 12, 8, "center", 0.333)
        foot = PAGE_H - BOTTOM + 3 * MM
        self.margin_text(page, f"第 {number} 页 / 共 {total} 页", foot, 9, "center", 0.0)
        if self.printed_at:
            self.margin_text(page, f"打印时间：{self.printed_at}", foot, 7.5, "right", 0.333)
        if self.hash:
            self.margin_text(page, f"校验码 {self.hash[:16]}", foot, 7.5, "left", 0.333)

    def margin_text(self, page, text, y, size, align, grey) -> None:
        self.regular.chars.update(text)
        width = self.regular.face.width(text, size)
        x = LEFT + {"left": 0, "center": (LINE_W - width) / 2, "right": LINE_W - width}[align]
        page.texts.append(_Text(x, _baseline(y, size, 1.5), text, size, self.regular, grey))

    def wrap(self, text: str, width: float, size: float, font: _Used, spacing=0.0) -> list[str]:
        """Greedy lines: breaks at spaces and around Chinese characters, never inside a word,
        a number, a date ("2026-12-07 13:35" holds no-break spaces) or a code, unless it is
        longer than the line (overflow-wrap: anywhere)."""
        font.chars.update(text)
        if not text:
            return [""]
        face = font.face
        measure = (
            (lambda s: face.width(s, size) + spacing * len(s))
            if spacing
            else (lambda s: face.width(s, size))
        )
        atoms = _atoms(text)
        lines: list[str] = []
        line, line_w = "", 0.0
        for space, atom in atoms:
            atom_w = measure(atom)
            gap = measure(" ") if space and line else 0.0
            if line and line_w + gap + atom_w <= width + 0.01:
                line, line_w = line + (" " if gap else "") + atom, line_w + gap + atom_w
                continue
            if line:
                lines.append(line)
            line, line_w = "", 0.0
            while atom_w > width + 0.01 and len(atom) > 1:  # too long for any line
                cut = 1
                while cut < len(atom) and measure(atom[: cut + 1]) <= width + 0.01:
                    cut += 1
                lines.append(atom[:cut])
                atom = atom[cut:]
                atom_w = measure(atom)
            line, line_w = atom, atom_w
        if line or not lines:
            lines.append(line)
        return lines

    # ---- PDF -----------------------------------------------------------------------------

    def pdf(self, pages: list[_Page]) -> bytes:
        pdf = pydyf.PDF()
        fonts = {}
        for used in (self.regular, self.bold):
            if used.chars:
                fonts[used.name], used.gids = _embed(pdf, used)
        resources = pydyf.Dictionary({"Font": pydyf.Dictionary(fonts)})
        page_refs = []
        for page in pages:
            stream = pydyf.Stream(_content(page), compress=True)
            pdf.add_object(stream)
            page_dict = pydyf.Dictionary(
                {
                    "Type": "/Page",
                    "Parent": pdf.pages.reference,
                    "MediaBox": pydyf.Array([0, 0, round(PAGE_W, 3), round(PAGE_H, 3)]),
                    "Contents": stream.reference,
                    "Resources": resources,
                }
            )
            pdf.add_page(page_dict)
            page_refs.append(page_dict)
        if self.title:
            # print.css gives .register-title bookmark-level 1.
            outlines = pydyf.Dictionary({"Type": "/Outlines", "Count": 1})
            pdf.add_object(outlines)
            item = pydyf.Dictionary(
                {
                    "Title": pydyf.String(self.title),
                    "Parent": outlines.reference,
                    "Dest": pydyf.Array([page_refs[0].reference, "/XYZ", 0, round(PAGE_H), 0]),
                }
            )
            pdf.add_object(item)
            outlines["First"] = outlines["Last"] = item.reference
            pdf.catalog["Outlines"] = outlines.reference
        pdf.catalog["Lang"] = pydyf.String("zh-CN")
        pdf.info["Title"] = pydyf.String(self.title)
        if self.company:
            pdf.info["Author"] = pydyf.String(self.company)
        pdf.info["Creator"] = pydyf.String("规程门户")
        pdf.info["Producer"] = pydyf.String("规程门户")
        out = io.BytesIO()
        pdf.write(out, version=b"1.7", compress=True)
        return out.getvalue()


def _content(page: _Page) -> list[bytes]:
    ops = [b"q"]
    if page.fills:
        ops.append(b"%.3f %.3f %.3f rg" % HEADER_GREY)
        for x, y, w, h in page.fills:
            ops.append(b"%.2f %.2f %.2f %.2f re f" % (x, PAGE_H - y - h, w, h))
    ops.append(b"0 G %.2f w 0 J" % BORDER)
    for x1, y1, x2, y2 in page.lines:
        ops.append(b"%.2f %.2f m %.2f %.2f l S" % (x1, PAGE_H - y1, x2, PAGE_H - y2))
    ops.append(b"BT")
    current = None
    for t in page.texts:
        if not t.text:
            continue
        state = (t.font.name, t.size, t.grey, t.spacing)
        if state != current:
            ops.append(
                b"/%s %.2f Tf %.3f g %.2f Tc" % (t.font.name.encode(), t.size, t.grey, t.spacing)
            )
            current = state
        gids = t.font.gids
        glyphs = "".join(f"{gids[ch]:04x}" for ch in t.text)
        ops.append(b"1 0 0 1 %.2f %.2f Tm <%s> Tj" % (t.x, PAGE_H - t.y, glyphs.encode()))
    ops.append(b"ET Q")
    return ops


def _embed(pdf: pydyf.PDF, used: _Used) -> tuple[pydyf.Reference, dict[str, int]]:
    """A Type0 font (CID TrueType, Identity-H) of the characters used, with widths and a
    ToUnicode map so that text copies and searches as written."""
    face = used.face
    chars = sorted(used.chars | {" "})
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = [1, 2]  # family and style: enough for a viewer's font list
    with TTFont(io.BytesIO(face.stripped), lazy=True) as font:
        font.setGlyphOrder(list(face.glyph_order))
        subsetter = subset.Subsetter(options)
        subsetter.populate(text="".join(chars))
        subsetter.subset(font)
        buffer = io.BytesIO()
        font.save(buffer)
    # The subset read back: its glyph order, cmap and metrics.
    font = TTFont(io.BytesIO(buffer.getvalue()))
    order = {name: gid for gid, name in enumerate(font.getGlyphOrder())}
    cmap = font.getBestCmap()
    gids = {ch: order[cmap[ord(ch)]] for ch in chars}
    scale = 1000 / face.upm
    hmtx = font["hmtx"].metrics
    glyph_names = font.getGlyphOrder()

    base = f"{_tag(chars)}+{face.postscript_name}"
    file_stream = pydyf.Stream([buffer.getvalue()], {"Length1": len(buffer.getvalue())}, True)
    pdf.add_object(file_stream)
    head, hhea, os2 = font["head"], font["hhea"], font["OS/2"]
    descriptor = pydyf.Dictionary(
        {
            "Type": "/FontDescriptor",
            "FontName": "/" + base,
            "Flags": 4,
            "FontBBox": pydyf.Array(
                [round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)]
            ),
            "ItalicAngle": 0,
            "Ascent": round(hhea.ascent * scale),
            "Descent": round(hhea.descent * scale),
            "CapHeight": round(getattr(os2, "sCapHeight", hhea.ascent) * scale),
            "StemV": 80,
            "FontFile2": file_stream.reference,
        }
    )
    pdf.add_object(descriptor)
    widths = pydyf.Array()
    for gid in sorted(set(gids.values())):
        widths.extend([gid, pydyf.Array([round(hmtx[glyph_names[gid]][0] * scale)])])
    cid_font = pydyf.Dictionary(
        {
            "Type": "/Font",
            "Subtype": "/CIDFontType2",
            "BaseFont": "/" + base,
            "CIDSystemInfo": pydyf.Dictionary(
                {
                    "Registry": pydyf.String("Adobe"),
                    "Ordering": pydyf.String("Identity"),
                    "Supplement": 0,
                }
            ),
            "FontDescriptor": descriptor.reference,
            "W": widths,
            "CIDToGIDMap": "/Identity",
        }
    )
    pdf.add_object(cid_font)
    to_unicode = pydyf.Stream([_cmap(gids)], compress=True)
    pdf.add_object(to_unicode)
    type0 = pydyf.Dictionary(
        {
            "Type": "/Font",
            "Subtype": "/Type0",
            "BaseFont": "/" + base,
            "Encoding": "/Identity-H",
            "DescendantFonts": pydyf.Array([cid_font.reference]),
            "ToUnicode": to_unicode.reference,
        }
    )
    pdf.add_object(type0)
    return type0.reference, gids


def _cmap(gids: dict[str, int]) -> bytes:
    pairs = sorted((gid, ch) for ch, gid in gids.items())
    lines = [
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        "1 begincodespacerange <0000> <ffff> endcodespacerange",
    ]
    for start in range(0, len(pairs), 100):
        chunk = pairs[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{gid:04x}> <{ch.encode('utf-16-be').hex()}>" for gid, ch in chunk]
        lines.append("endbfchar")
    lines += ["endcmap CMapName currentdict /CMap defineresource pop end end"]
    return "\n".join(lines).encode("ascii")


def _tag(chars: list[str]) -> str:
    """The six capital letters a subset font's name starts with (PDF 32000 9.6.4)."""
    number = int.from_bytes(hashlib.sha256("".join(chars).encode()).digest()[:4], "big")
    return "".join(chr(65 + (number >> (4 * i)) % 26) for i in range(6))


def _atoms(text: str) -> list[tuple[bool, str]]:
    """(preceded by a space, unbreakable piece) with punctuation kept on its side."""
    atoms: list[tuple[bool, str]] = []
    space = False
    glue_next = False
    for match in _ATOM.finditer(text):
        piece = match.group()
        if piece[0] in " \t\r\n\f\v":  # collapsible white space; U+3000 and U+00A0 are not
            space = True
            glue_next = False
            continue
        if atoms and not space and (glue_next or piece[0] in _CLOSING):
            atoms[-1] = (atoms[-1][0], atoms[-1][1] + piece)
        else:
            atoms.append((space, piece))
        glue_next = piece[-1] in _OPENING
        space = False
    return atoms


def _clean(value: str) -> str:
    """White space as HTML shows it: runs of spaces, tabs and newlines read as one space."""
    return re.sub(r"[ \t\r\n\f\v]+", " ", value).strip()


def _length(value) -> float | None:
    """A CSS width of the data ("12.5%", "30mm", "40pt") in points, or None (share the rest)."""
    if not value:
        return None
    match = re.fullmatch(r"\s*([\d.]+)\s*(%|mm|pt|cm)\s*", str(value))
    if not match:
        return None
    number, unit = float(match.group(1)), match.group(2)
    return {"%": LINE_W / 100, "mm": MM, "pt": 1.0, "cm": 10 * MM}[unit] * number


def _baseline(top: float, size: float, leading: float) -> float:
    """The baseline of a line box of `size * leading` whose top is at `top`."""
    return top + (size * leading - (ASCENT + DESCENT) * size) / 2 + ASCENT * size
