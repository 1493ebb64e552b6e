"""Markdown procedures: front matter, body blocks → clause tree, rendering, sanitising, export.

Every piece of HTML the library shows goes through `sanitize_html()` (nh3), whatever its source:
Markdown files, legacy text and administrators' edits alike. Form and procedure names become
links only when the page is shown (`link_names`), so a form page added later needs no re-import.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import nh3
import yaml
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from portal.procedures.importer import build_clause_tree


class MarkdownError(ValueError):
    """A Markdown procedure that cannot be loaded; the message is shown as is (Chinese)."""


REQUIRED_KEYS = ("code", "title", "category", "owner_department", "revision", "effective_date")
CODE_RE = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$")
_FRONT_MATTER_RE = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "s", "del", "ins", "mark", "sub", "sup", "code",
    "pre", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tr",
    "th", "td", "caption", "a", "span", "hr", "h3", "h4", "h5", "h6",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"colspan", "rowspan", "align"},
    "td": {"colspan", "rowspan", "align"},
}
URL_SCHEMES = {"http", "https", "mailto"}

_md = MarkdownIt("commonmark", {"html": True, "breaks": True}).enable(["table", "strikethrough"])


def sanitize_html(html: str) -> str:
    """The one sanitiser: no script, no event handlers, no `javascript:` or other odd schemes."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_text(text: str) -> str:
    """Clause text (Markdown) → sanitised HTML. Legacy text goes the same way: it is plain
    paragraphs, and one pipeline means one set of sanitising rules to trust."""
    if not text.strip():
        return ""
    return sanitize_html(_md.render(text)).strip()


# -- front matter and blocks ------------------------------------------------------------------


@dataclass
class MarkdownDocument:
    meta: dict
    body: str
    clauses: list = field(default_factory=list)  # importer ParsedClause trees
    warnings: list[str] = field(default_factory=list)
    preamble: str = ""


def split_front_matter(text: str) -> tuple[dict, str]:
    match = _FRONT_MATTER_RE.match(text)
    if not match:
        raise MarkdownError("缺少前置信息（文件须以 --- 开头的 YAML 块开始）。")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise MarkdownError(f"前置信息不是有效的 YAML：{exc}") from exc
    if not isinstance(meta, dict):
        raise MarkdownError("前置信息须为键值对。")
    return meta, text[match.end() :]


def validate_meta(meta: dict) -> dict:
    """Check the front matter keys (docs/procedures/README.md) and normalise their types."""
    missing = [key for key in REQUIRED_KEYS if meta.get(key) in (None, "")]
    if missing:
        raise MarkdownError(f"前置信息缺少字段：{'、'.join(missing)}。")
    code = str(meta["code"]).strip()
    if not CODE_RE.match(code):
        raise MarkdownError(f"文件编号格式不正确：{code}（应如 QP-ADM-01）。")
    effective = meta["effective_date"]
    if isinstance(effective, dt.datetime):
        effective = effective.date()
    elif not isinstance(effective, dt.date):
        try:
            effective = dt.date.fromisoformat(str(effective))
        except ValueError as exc:
            raise MarkdownError(f"生效日期格式不正确：{effective}（应如 2026-01-01）。") from exc
    forms = meta.get("forms") or []
    if not isinstance(forms, list) or not all(isinstance(f, dict) and f.get("name") for f in forms):
        raise MarkdownError("forms 须为列表，每项包含 name（可选 endpoint）。")
    deadlines = meta.get("deadlines") or {}
    if not isinstance(deadlines, dict):
        raise MarkdownError("deadlines 须为映射（阶段 → {hours: N} 或 {days: N}）。")
    return {
        **meta,
        "code": code,
        "title": str(meta["title"]).strip(),
        "category": str(meta["category"]).strip(),
        "owner_department": str(meta["owner_department"]).strip().upper(),
        "revision": str(meta["revision"]).strip(),
        "effective_date": effective,
        "change_note": str(meta.get("change_note") or "").strip(),
        "forms": [{k: str(v) for k, v in f.items() if k in ("name", "endpoint")} for f in forms],
        "deadlines": deadlines,
    }


def body_blocks(body: str) -> list[str]:
    """Paragraphs and headings as text blocks, heading marks removed: `## 4 工作程序` → `4 工作程序`.

    Headings are their own block even without a blank line after them, because the clause tree
    must see the heading before the clauses it opens."""
    blocks: list[str] = []
    current: list[str] = []

    def flush():
        if current:
            blocks.append("\n".join(current).strip())
            current.clear()

    for line in body.splitlines():
        heading = _HEADING_RE.match(line)
        if heading:
            flush()
            blocks.append(heading.group(2))
        elif not line.strip():
            flush()
        else:
            current.append(line.rstrip())
    flush()
    return [b for b in blocks if b]


def clause_tree(blocks: list[str]) -> tuple[list, list[str], str]:
    """The importer's clause tree as (clauses, warnings, preamble) whatever its return shape."""
    result = build_clause_tree(blocks)
    clauses, warnings = result[0], list(result[1])
    preamble = result[2] if len(result) > 2 else ""
    if isinstance(preamble, list | tuple):
        preamble = "\n\n".join(preamble)
    return clauses, warnings, preamble or ""


def parse_markdown(text: str) -> MarkdownDocument:
    """Front matter + body → validated metadata and the clause tree. Raises MarkdownError."""
    meta, body = split_front_matter(text)
    meta = validate_meta(meta)
    clauses, warnings, preamble = clause_tree(body_blocks(body))
    if not clauses:
        raise MarkdownError("正文中没有找到任何带编号的条款。")
    return MarkdownDocument(meta, body, clauses, warnings, preamble)


# -- links at render time ---------------------------------------------------------------------

_TAG_RE = re.compile(r"(<[^>]*>)")


def link_names(html: str, links: Mapping[str, str], bare: Iterable[str] = ()) -> Markup:
    """Turn `《name》` (and, for names in `bare`, the plain name) into links, in text only: never
    inside a tag or an existing link.

    `links` maps a name (a form, a procedure title) to its URL; the HTML is already sanitised and
    names and URLs are escaped here, so the result stays safe."""
    return name_linker(links, bare)(html)


def name_linker(
    links: Mapping[str, str], bare: Iterable[str] = (), also: Iterable[str] = ()
) -> Callable[[str], Markup]:
    """`link_names` with the pattern built once: a page links every clause with one pattern.

    Building it (a thousand titles escaped and compiled) costs more than applying it, so it is
    cached; names in `also` join the pattern but stay unlinked (a procedure's own title), which
    lets every page of a library share one pattern."""
    if not links:
        return Markup
    pattern = _names_pattern(frozenset(links) | frozenset(also), frozenset(bare) & set(links))

    def replace(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        if name not in links:  # e.g. the page's own title: left as it is
            return match.group(0)
        return f'<a class="ref-link" href="{escape(links[name])}">{escape(match.group(0))}</a>'

    def link(html: str) -> Markup:
        if not html:
            return Markup(html)
        out, in_link = [], 0
        for part in _TAG_RE.split(html):
            if part.startswith("<"):
                tag = part[1:].split(None, 1)[0].rstrip(">").lower() if len(part) > 2 else ""
                in_link += 1 if tag == "a" else -1 if tag == "/a" else 0
                out.append(part)
            else:
                out.append(part if in_link > 0 else pattern.sub(replace, part))
        return Markup("".join(out))

    return link


@lru_cache(maxsize=64)
def _names_pattern(names: frozenset[str], bare: frozenset[str]) -> re.Pattern:
    by_length = sorted(names, key=lambda n: (-len(n), n))
    quoted = "|".join(re.escape(n) for n in by_length)
    plain = "|".join(re.escape(n) for n in by_length if n in bare)
    return re.compile(f"《({quoted})》" + (f"|({plain})" if plain else ""))


# -- export ------------------------------------------------------------------------------------


def _yaml_scalar(value) -> str:
    return (
        yaml.safe_dump(value, allow_unicode=True, default_flow_style=True)
        .strip()
        .removesuffix("\n...")
    )


def front_matter(meta: dict) -> str:
    lines = ["---"]
    for key in ("code", "title", "category", "owner_department", "revision"):
        lines.append(f"{key}: {_yaml_scalar(meta.get(key) or '')}")
        if key == "title" and meta.get("aliases"):  # optional: names the search knows it by
            lines.append(f"aliases: [{', '.join(_yaml_scalar(a) for a in meta['aliases'])}]")
    effective = meta.get("effective_date")
    lines.append(f"effective_date: {effective.isoformat() if effective else ''}")
    lines.append(f"change_note: {_yaml_scalar(meta.get('change_note') or '')}")
    forms = meta.get("forms") or []
    lines.append("forms:" if forms else "forms: []")
    for form in forms:
        lines.append(f"  - name: {_yaml_scalar(form['name'])}")
        if form.get("endpoint"):
            lines.append(f"    endpoint: {form['endpoint']}")
    deadlines = meta.get("deadlines") or {}
    if deadlines:
        dumped = yaml.safe_dump({"deadlines": deadlines}, allow_unicode=True, sort_keys=False)
        lines.extend(dumped.rstrip().splitlines())
    else:
        lines.append("deadlines: {}")
    # Optional: the review cycle and the required readers (the form editor writes them).
    if meta.get("review_cycle_months"):
        lines.append(f"review_cycle_months: {int(meta['review_cycle_months'])}")
    for key in ("required_departments", "required_roles"):
        if key in meta:
            lines.append(f"{key}: [{', '.join(_yaml_scalar(v) for v in meta[key] or [])}]")
    lines.append("---")
    return "\n".join(lines)


# The importer keeps a number without its delimiter ("a" for "a)", "1" for "1、"); writing it back
# without one would make "a 初步分析" running text, so the export restores a delimiter per style.
NUMBER_SUFFIX = {
    "lower": ")", "upper": ")", "num_half_paren": ")", "num_comma": "、", "num_dot": ".",
    "cn": "、", "zero_pad": ".",
}  # fmt: skip


def _numbered(node) -> str:
    number = node.number or ""
    suffix = NUMBER_SUFFIX.get(getattr(node, "style", ""), "")
    return number + suffix if number and not number.endswith(suffix) else number


def clauses_to_markdown(nodes, level: int = 2) -> list[str]:
    """Clause tree → Markdown blocks in the authoring style of docs/procedures: a clause with a
    heading becomes a heading line (`##`, `###` …) followed by its own text as a plain paragraph
    (which the parser reads back as that clause's text); every other clause is a paragraph that
    starts with its number."""
    blocks: list[str] = []
    for node in nodes:
        number, heading = _numbered(node), node.heading or ""
        # A clause's paragraphs: the first follows its number, the others are blocks of their own
        # (an unnumbered block continues the clause before it).
        paragraphs = [p.strip() for p in (node.text or "").split("\n") if p.strip()]
        if heading:
            blocks.append(f"{'#' * min(level, 6)} {number} {heading}".replace("#  ", "# "))
        else:
            first = paragraphs.pop(0) if paragraphs else ""
            blocks.append(f"{number} {first}".strip())
        blocks.extend(paragraphs)
        blocks.extend(clauses_to_markdown(node.children, level + 1 if heading else level))
    return blocks


def document_markdown(meta: dict, nodes, preamble: str = "") -> str:
    """A whole procedure as Markdown with front matter, ready to edit and publish."""
    blocks = [front_matter(meta)]
    if preamble.strip():
        blocks.append(preamble.strip())
    blocks.extend(clauses_to_markdown(nodes))
    return "\n\n".join(blocks) + "\n"
