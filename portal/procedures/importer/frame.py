"""Find a document's frame before its clauses are read: what is around the rules, not in them.

``prepare`` runs the format-neutral stages over the raw text, each a small function on
numbered lines: normalise → source rules (``sources.py``) → page furniture → columns →
issuing-notice frame → revision history → control header → title block → table of contents
→ tables and forms → appendix headings.  What a stage finds that is metadata goes into
``control``; what it removes is reported in ``warnings``.  The lines that remain go on to the
page splitter and the clause tree.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from .control import _CODE, _DATE, _REVISION, parse_control_block
from .furniture import Line, is_page_number, normalise_lines, read_columns, remove_furniture
from .noise import BREADCRUMB
from .numbering import leading_marker
from .sources import CompiledRule, detect_sources, matches, rewrite

_TOP = 15  # the title block and control header sit in this many lines at the top
_CLAUSES_HELD = 3  # numbered lines that show a document is there, not only a note
_DOC_SUFFIX = re.compile(
    r"(?:制度|办法|规定|细则|程序|规范|标准|方案|规程|条例|守则|准则|流程|职责|要求|须知|手册|规则|责任制"
    r"|指导书"
    # the same words in traditional characters
    r"|製度|辦法|規定|細則|規範|標準|規程|條例|守則|準則|職責|須知|手冊|規則|責任制|指導書)"
    r"(?:\s*[(（][^()（）]{1,8}[)）])?$"
)
_SENTENCE = re.compile(r"[，。；！？,;!?]")
_NOTICE = re.compile(
    r"关于(?:印发|发布|下发|颁布|修订)"
    r"(?:(?P<titles>《[^》]{2,40}》(?:\s*(?:和|及|与|、|以及)?\s*《[^》]{2,40}》)*)(?:等[^的《》]{1,10})?"
    r"|(?P<bare>[^《》]{2,40}?))的通知"
)
# What an issuing notice says applies to every rule set it issues, not only the first.
NOTICE_KEYS = ("document_number", "notice_title", "signer", "addressees")
_NOTICE_HEAD = re.compile(r"(?:签发人|签发)\s*:\s*(?P<signer>\S{2,4})|\(此件[^()]{2,8}\)")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fffA-Za-z]{1,12}[〔\[［(（]\d{4}[〕\]］)）]\s*\d{1,4}\s*号")
_RED_HEAD = re.compile(r"[\u4e00-\u9fff]{2,30}文件")
_NOTICE_TAIL = re.compile(
    r"(?:抄送|主送|主题词|关键词)\s*[:：].*|.*\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*印\s*发"
    r"|\(此件[^()]{2,8}\)"
)
_LETTER_SPACED = re.compile(r"(?:[\u4e00-\u9fff][ \u3000]+){2,}[\u4e00-\u9fff]")
_TOC_HEAD = re.compile(r"目\s*录|CONTENTS|Contents|目次")
_TOC_ENTRY = re.compile(r".{1,60}?(?:\t+|\s{2,}|\.{3,}|…{2,}|·{3,}|\s)\s*\d{1,3}")
_LEADER = re.compile(r".{1,60}?(?:\.{4,}|…{3,}|·{4,})\s*\d{1,3}")
_HISTORY_HEAD = re.compile(r"(?:文件)?(?:修订|修改|变更|版本|更改)(?:记录|历史|履历|说明|记录表)")
_HISTORY_WORDS = re.compile(r"修订|修改|变更|更改")
_FORM_FIELD = re.compile(r"([^\s:：_|]{1,12})\s*[:：]\s*_{3,}")
_APPENDIX = re.compile(
    r"(附[件表录])\s*([0-9]{1,2}|[一二三四五六七八九十]{1,3}|[A-Z])?\s*(?:[:：]\s*|\s+)(\S.{0,40})"
)
_CODE_ONLY = re.compile(rf"(?:{_CODE})")
_ORG_LINE = re.compile(
    r"[\u4e00-\u9fff()]{2,30}(?:公司|集团|局|厅|院|中心|委员会|学校|医院|协会|研究所|事务所)"
)
# The name of the set a document belongs to, printed above its title.
_COLLECTION = re.compile(
    r"[\u4e00-\u9fff]{0,20}(?:程序文件|体系文件|管理手册|质量手册|制度汇编|文件汇编|管理制度汇编)"
)
# A line that names only the kind of document ("作业指导书") between the issuer and the title.
_KIND_LINE = re.compile(
    r"(?:作业|管理|工作|技术|操作)?(?:指导书|制度|程序文件|规定|规范|标准|规程)"
)
_SIGNING_DEPT = re.compile(r"\s{8,}[\u4e00-\u9fff]{2,12}(?:部|处|處|室|科|办公室|中心)\s*")
_DATE_CELL = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?")
_NOTE_LINE = re.compile(r"\([^()]{2,20}\)")
_DATE_LINE = re.compile(
    r"[一二三四五六七八九〇零\d]{4}\s*年\s*[一二三四五六七八九十\d]{1,2}\s*月\s*[一二三四五六七八九十\d]{1,3}\s*日"
)
_PAIR = re.compile(r"([\u4e00-\u9fff]{2,6})\s*:\s*([^\s:]{1,30})")
_KNOWN_KEYS = ("code", "revision", "effective_date", "issued_date", "owner", "approved_by")
_ADDRESSEE = re.compile(r"主送\s*:.*")
_ENGLISH_TITLE = re.compile(r"[A-Z][A-Za-z'’&-]*(?: [A-Za-z'’&-]+){1,9}")


def _folded(text: str) -> str:
    """Lines are width-folded by ``normalise_lines``; this only marks where that is relied on."""
    return text


@dataclass
class Prepared:
    lines: list[Line]
    control: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _text(lines: list[Line]) -> list[str]:
    return [_folded(text).strip() for _, text in lines]


def _nonempty(lines: list[Line]) -> list[Line]:
    return [(n, text) for n, text in lines if text.strip()]


def title_like(text: str) -> bool:
    """A short unpunctuated line naming a document ("…管理办法", "…规定（试行）")."""
    text = _folded(text).strip()
    return 2 <= len(text) <= 40 and not _SENTENCE.search(text) and bool(_DOC_SUFFIX.search(text))


# --- source rules ---------------------------------------------------------------------------


def apply_sources(lines: list[Line], rules: list[CompiledRule], warnings: list[str]) -> list[Line]:
    """Drop what the detected sources' rules name; see ``sources.py``."""
    if not rules:
        return lines
    lines = _skip_to_document(lines, rules, warnings)
    out: list[Line] = []
    for n, text in lines:
        folded = _folded(text).strip()
        if any(matches(rule.cut_from, folded) for rule in rules):
            warnings.append(f"删除来源附加内容 (line {n} 起)")
            break
        if folded and any(matches(rule.drop, folded) for rule in rules):
            warnings.append(f"删除来源附加内容 (line {n})")
            continue
        out.append((n, rewrite(rules, text)))
    out = _drop_head(out, rules, warnings)
    if any(rule.rule.signature for rule in rules):
        out = _drop_signature(out, warnings)
    for rule in rules:
        if rule.title_suffix is not None:
            out = _strip_title_suffix(out, rule)
    return out


def _holds_clauses(lines: list[Line]) -> bool:
    return sum(1 for _, t in lines if leading_marker(_folded(t).strip())) >= _CLAUSES_HELD


def _skip_to_document(
    lines: list[Line], rules: list[CompiledRule], warnings: list[str]
) -> list[Line]:
    """A ``cut_from`` line ends the document, unless no clause stands above it and the
    document is below: a forwarded mail carries the procedure in the original message under
    the "原始邮件" line, with only the forwarder's note above."""
    start = 0
    while True:
        cut = next(
            (
                i
                for i in range(start, len(lines))
                if any(matches(rule.cut_from, _folded(lines[i][1]).strip()) for rule in rules)
            ),
            None,
        )
        if cut is None or _holds_clauses(lines[start:cut]):
            break
        if not _holds_clauses(lines[cut + 1 :]):
            break
        warnings.append(f"删除转发前的内容 (line {lines[start][0]} 至 {lines[cut][0]})")
        start = cut + 1
    return lines[start:]


def _drop_head(lines: list[Line], rules: list[CompiledRule], warnings: list[str]) -> list[Line]:
    heads = [pattern for rule in rules for pattern in rule.head]
    body = _nonempty(lines)
    title_at = next((i for i, (_, t) in enumerate(body[:_TOP]) if title_like(t)), None)
    if not heads or title_at is None:
        return lines
    before = body[:title_at]
    if not all(matches(heads, _folded(t).strip()) for _, t in before):
        return lines
    dropped = {n for n, _ in before}
    for n in sorted(dropped):
        warnings.append(f"删除标题前的附言 (line {n})")
    return [(n, t) for n, t in lines if n not in dropped]


def _drop_signature(lines: list[Line], warnings: list[str]) -> list[Line]:
    """The trailing block of short lines after the last sentence, with a phone, mail or name."""
    body = _nonempty(lines)
    end = len(body)
    while end > 0:
        text = _folded(body[end - 1][1]).strip()
        if len(text) > 30 or text.endswith(("。", "!", "?", ";")) or leading_marker(text):
            break
        end -= 1
    tail = body[end:]
    if not tail or len(tail) > 6:
        return lines
    dropped = {n for n, _ in tail}
    warnings.append(f"删除邮件签名 (line {tail[0][0]})")
    return [(n, t) for n, t in lines if n not in dropped]


def _strip_title_suffix(lines: list[Line], rule: CompiledRule) -> list[Line]:
    out = list(lines)
    for i, (n, text) in enumerate(out):
        if text.strip():
            out[i] = (n, rule.title_suffix.sub("", text))
            break
    return out


# --- issuing notice -------------------------------------------------------------------------


def notice_frame(lines: list[Line], control: dict, warnings: list[str]) -> list[Line]:
    """An issuing notice around the rules: red head, 〔2025〕7号, 关于印发《…》的通知, addressees,
    cover text, signature, and at the end 抄送 / 印发 lines.  The rules' own title starts them."""
    body = _nonempty(lines)
    for i, (_, text) in enumerate(body[:_TOP]):
        match = _NOTICE.search(_folded(text))
        if not match:
            continue
        titles = re.findall(r"《([^》]+)》", match.group("titles") or "") or [match.group("bare")]
        titles = [re.sub(r"\s+", "", title) for title in titles]
        title = titles[0]
        if len(titles) > 1:
            control.setdefault("notice_titles", titles)
        lines = _unlabel_titles(lines, titles, after=body[i][0])
        body = _nonempty(lines)
        start = next(
            (j for j in range(i + 1, len(body)) if re.sub(r"\s+", "", body[j][1]) == title), None
        )
        if start is None:
            return _notice_without_title_line(lines, body, i, title, control, warnings)
        head = body[:start]
        _more_titles(head, body[start:], titles)
        if len(titles) > 1:
            control["notice_titles"] = titles
            lines = _unlabel_titles(lines, titles, after=body[start][0])
        _note_number(head, control)
        for _, line in head:
            signer = _NOTICE_HEAD.fullmatch(line.strip())
            if signer and signer.group("signer"):
                control.setdefault("signer", signer.group("signer"))
        control.setdefault("notice_title", re.sub(r"\s+", "", _folded(text)))
        warnings.append(f"删除发文通知 (line {head[0][0]}–{head[-1][0]})")
        dropped = {m for m, _ in head}
        return _drop_notice_tail([(m, t) for m, t in lines if m not in dropped], warnings)
    # No "关于印发": a red head and a document number above the rules are dropped all the same.
    addressed = [(n, t) for n, t in body[:_TOP] if _ADDRESSEE.fullmatch(t.strip())]
    if addressed:
        control.setdefault("addressees", addressed[0][1].strip().split(":", 1)[1].strip())
        warnings.append(f"删除主送单位 (line {addressed[0][0]})")
        gone = {n for n, _ in addressed}
        lines = [(n, t) for n, t in lines if n not in gone]
        body = _nonempty(lines)
    red_head = len(body) >= 2 and _RED_HEAD.fullmatch(_folded(body[0][1]).strip())
    if red_head and _DOC_NUMBER.fullmatch(_folded(body[1][1]).strip()):
        _note_number(body[:2], control)
        warnings.append(f"删除文件版头 (line {body[0][0]})")
        dropped = {body[0][0], body[1][0]}
        return _drop_notice_tail([(m, t) for m, t in lines if m not in dropped], warnings)
    return lines


_LABELLED_TITLE = re.compile(r"附[件表]\s*[\d一二三四五六七八九十]{1,2}\s*[:：]?\s*(\S.{1,40})")


def _unlabel_titles(lines: list[Line], titles: list[str], after: int) -> list[Line]:
    """ "附件1：安全生产责任制" below the notice is the title of the rule set it issued."""
    out = []
    for n, text in lines:
        match = _LABELLED_TITLE.fullmatch(_folded(text).strip()) if n > after else None
        named = match and re.sub(r"\s+", "", match.group(1)).strip("《》")
        out.append((n, named) if named in titles else (n, text))
    return out


def _more_titles(head: list[Line], rest: list[Line], titles: list[str]) -> None:
    """Rule sets the cover text names (现将《甲》《乙》印发给你们) that stand as title lines below."""
    lines = {re.sub(r"\s+", "", text) for _, text in rest}
    for _, text in head:
        for title in re.findall(r"《([^》]{2,40})》", _folded(text)):
            title = re.sub(r"\s+", "", title)
            if title in lines and title not in titles:
                titles.append(title)


def _notice_without_title_line(
    lines: list[Line], body: list[Line], at: int, title: str, control: dict, warnings: list[str]
) -> list[Line]:
    """The rules follow the notice without a title line of their own: the notice's line gives
    the title, and the head above it and the cover text down to the first clause go."""
    first = next((j for j in range(at + 1, len(body)) if leading_marker(body[j][1])), None)
    if first is None:
        return lines
    if first - 1 > at and title_like(body[first - 1][1]):  # the first rule set's own title
        return _drop_head_to(lines, body, at, first - 1, control, warnings)
    head = body[:at] + body[at + 1 : first]
    _note_number(body[:first], control)
    control.setdefault("notice_title", re.sub(r"\s+", "", body[at][1]))
    if head:
        warnings.append(f"删除发文通知 (line {head[0][0]}–{head[-1][0]})")
    dropped = {m for m, _ in head}
    out = [(m, title if m == body[at][0] else t) for m, t in lines if m not in dropped]
    return _drop_notice_tail(out, warnings)


def _drop_head_to(
    lines: list[Line], body: list[Line], at: int, start: int, control: dict, warnings: list[str]
) -> list[Line]:
    """The notice (its line ``at``, the head above it and the cover text) up to ``start``."""
    head = body[:start]
    _note_number(head, control)
    control.setdefault("notice_title", re.sub(r"\s+", "", body[at][1]))
    warnings.append(f"删除发文通知 (line {head[0][0]}–{head[-1][0]})")
    dropped = {m for m, _ in head}
    return _drop_notice_tail([(m, t) for m, t in lines if m not in dropped], warnings)


def _note_number(lines: list[Line], control: dict) -> None:
    for _, text in lines:
        number = _DOC_NUMBER.search(_folded(text))
        if number:
            control.setdefault("document_number", re.sub(r"\s+", "", number.group(0)))
            return


def sign_off(lines: list[Line], control: dict, warnings: list[str]) -> list[Line]:
    """An issuer line and a date line closing the text: ``organisation`` and ``issued_date``."""
    out = list(lines)
    found = 0
    while out and found < 2:
        if not out[-1][1].strip():
            out.pop()
            continue
        n, text = out[-1]
        text = text.strip()
        if _DATE_LINE.fullmatch(text) and "issued_date" not in control:
            control["issued_date"] = text
        elif _ORG_LINE.fullmatch(text) and "sign_off" not in control:
            control["sign_off"] = text
            control.setdefault("organisation", text)
        elif _SIGNING_DEPT.fullmatch(out[-1][1]) and "sign_off" not in control:
            control["sign_off"] = text  # a department set to the right under the last clause
        else:
            break
        warnings.append(f"落款转为元数据 (line {n})")
        out.pop()
        found += 1
    return out if found else lines


def _drop_notice_tail(lines: list[Line], warnings: list[str]) -> list[Line]:
    out = list(lines)
    while out and (not out[-1][1].strip() or _NOTICE_TAIL.fullmatch(_folded(out[-1][1]).strip())):
        if out[-1][1].strip():
            warnings.append(f"删除发文版记 (line {out[-1][0]})")
        out.pop()
    return out


# --- title block and control header ---------------------------------------------------------


def _control_cells(text: str) -> str:
    """A control-table row pasted as cells ("文件编号\\tXZ-01\\t版本\\tB/1", or a Markdown row
    "| 文件编号 | XZ-01 |") as "key:value" pairs."""
    if text.startswith("|") and text.endswith("|"):
        text = text.strip("|").replace("|", "\t")
    separator = r"\t" if "\t" in text else r"\s{2,}"
    cells = [re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])", "", cell.strip())
             for cell in re.split(separator, text.strip())]  # fmt: skip
    cells = [cell for cell in cells if cell]
    if len(cells) >= 2 and len(cells) % 2 == 0:
        return " ".join(f"{k}:{v}" for k, v in zip(cells[::2], cells[1::2], strict=True))
    return text


def _control_line(text: str) -> dict[str, str] | None:
    """The metadata of a line that is nothing but control keys and values; else None.

    Keys the control reader does not know (受控状态, 密级 …) are kept under their own name
    when the line also holds a known one."""
    folded = _folded(text).strip()
    for candidate in (folded.replace("\t", " "), _control_cells(folded)):
        block = parse_control_block(candidate)
        rest = candidate[block.end :].strip(" _:")
        if block.values and not rest:
            return block.values
        pairs = _PAIR.findall(candidate)
        if len(pairs) >= 2 and not _PAIR.sub("", candidate).strip():
            values: dict[str, str] = {}
            for key, value in pairs:
                known = parse_control_block(f"{key}:{value}").values
                values.update(known or {key: value})
            if any(key in values for key in _KNOWN_KEYS):
                return values
    return None


def control_header(lines: list[Line], control: dict, warnings: list[str]) -> list[Line]:
    """Control keys above the first clause (one line, key:value lines, cells) become metadata.

    A control table that names the document (文件名称) gives the title line when none is left.
    """
    out = _control_lines(lines, control, warnings)
    title = control.pop("doc_title", None)
    body = _nonempty(out)
    if title and body and body[0][1].strip() != title:
        first = next(n for n, text in lines if text.strip())
        out.insert(0, (first, title))
    return out


def _header_row(lines: list[Line]) -> list[Line]:
    """A control table laid out by columns (a row of keys, then a row of their values) as one
    "key:value" line per pair of rows."""
    out = list(lines)
    for i in range(len(out) - 1):
        keys, values = _cells(out[i][1]), _cells(out[i + 1][1])
        if "\t" not in out[i][1] or len(keys) < 2 or len(keys) != len(values):
            continue
        pairs = list(zip(keys, values, strict=True))
        if all(parse_control_block(f"{key}:{value}").values for key, value in pairs):
            line = "  ".join(f"{key}:{value}" for key, value in pairs)
            out[i], out[i + 1] = (out[i][0], line), (out[i + 1][0], "")
            dates = _cells(out[i + 2][1]) if i + 2 < len(out) else []
            if len(dates) == len(keys) and all(_DATE_CELL.fullmatch(d) for d in dates):
                # a third row of dates: when each of them prepared, reviewed, approved
                line = "  ".join(f"{key}日期:{date}" for key, date in zip(keys, dates, strict=True))
                out[i + 2] = (out[i + 2][0], line)
    return out


def _control_lines(lines: list[Line], control: dict, warnings: list[str]) -> list[Line]:
    out: list[Line] = []
    seen = 0
    done = False
    for n, text in _header_row(lines[: _TOP * 2]) + lines[_TOP * 2 :]:
        if not text.strip() or done:
            out.append((n, text))
            continue
        seen += 1
        folded = _folded(text).strip()
        if seen > _TOP or leading_marker(folded):
            done = True
            out.append((n, text))
            continue
        values = _control_line(text)
        if values:
            for key, value in values.items():
                control.setdefault(key, value)
            warnings.append(f"文件控制信息转为元数据 (line {n})")
            continue
        out.append((n, text))
    return out


def title_block(lines: list[Line], control: dict, warnings: list[str]) -> list[Line]:
    """The first line is the title: an issuer's line above it moved to ``organisation``, book
    marks and letter spacing taken off, a code beside it moved to ``code``; an English title or
    a bracketed note ("（2024年修订）") under it become metadata."""
    out = list(lines)
    body = [i for i, (_, text) in enumerate(out) if text.strip()]
    if not body or BREADCRUMB.match(out[body[0]][1]):
        return out
    first = body[0]
    issuer = len(body) > 1 and _ORG_LINE.fullmatch(out[first][1].strip())
    if issuer and title_like(_title_text(out[body[1]][1])):
        control.setdefault("organisation", out[first][1].strip())
        out[first] = (out[first][0], "")
        first = body[1]
    after = [i for i in body if i > first]
    head = out[first][1].strip()
    collection = after and (_COLLECTION.fullmatch(head) or _KIND_LINE.fullmatch(head))
    if collection and title_like(_title_text(out[after[0]][1])):
        control.setdefault("collection", out[first][1].strip())
        out[first] = (out[first][0], "")
        first = after[0]
    n, text = out[first]
    stripped = _title_text(text)
    parts = [p for p in re.split(r"\t+|\s{2,}", stripped) if p]
    if len(parts) == 2 and title_like(parts[1]) and _CODE_ONLY.fullmatch(parts[0]):
        parts.reverse()  # the code first: "XZ-GL-002  办公用品管理办法"
    if len(parts) == 2 and title_like(parts[0]) and _CODE_ONLY.fullmatch(parts[1]):
        control.setdefault("code", parts[1])
        stripped = parts[0]
    out[first] = (n, stripped)
    out = _english_title(out, first, control)
    return _title_note(out, first, control)


def _title_text(text: str) -> str:
    stripped = text.strip()
    if _LETTER_SPACED.fullmatch(stripped):
        stripped = re.sub(r"\s+", "", stripped)
    book = re.fullmatch(r"《([^《》]{2,40})》", stripped)
    return book.group(1) if book else stripped


def _title_note(lines: list[Line], at: int, control: dict) -> list[Line]:
    nxt = next((j for j in range(at + 1, len(lines)) if lines[j][1].strip()), None)
    if nxt is not None and _NOTE_LINE.fullmatch(lines[nxt][1].strip()):
        control.setdefault("title_note", lines[nxt][1].strip())
        return lines[:nxt] + lines[nxt + 1 :]
    return lines


def _english_title(lines: list[Line], at: int, control: dict) -> list[Line]:
    """An English title under the Chinese one ("Supplier Code of Conduct") is metadata."""
    nxt = next((j for j in range(at + 1, len(lines)) if lines[j][1].strip()), None)
    if nxt is not None and _ENGLISH_TITLE.fullmatch(lines[nxt][1].strip()):
        control.setdefault("english_title", lines[nxt][1].strip())
        return lines[:nxt] + lines[nxt + 1 :]
    return lines


_HEADER_PART = re.compile(r"[|/｜]|(?:版本|版次|文件编号|编号)\s*:?\s*\S{0,16}")


def _header_rest(rest: str, control: dict) -> bool:
    """What a running header holds besides the title: the code, the issuer, a revision or a
    page number ("第2页", "- 2 -", "2/5"), and nothing else."""
    known = [control.get(key) for key in ("code", "organisation", "revision")]
    parts = [part for part in rest.split() if part not in known]
    kept = []
    for part in parts:
        code_like = _CODE_ONLY.fullmatch(part) and re.search(r"\d", part) and len(part) >= 4
        issuer = _ORG_LINE.fullmatch(part)  # "某某有限公司", when no control line named it
        if not (code_like or issuer or is_page_number(part) or _HEADER_PART.fullmatch(part)):
            kept.append(part)
    return not kept or is_page_number(" ".join(kept))


def _inside_sentence(lines: list[Line], at: int) -> bool:
    """A line between the two halves of a wrapped sentence: the one before ends no sentence
    and the one after goes on with it.  Neither is a related document's long body line."""
    before = next((t.strip() for _, t in reversed(lines[:at]) if t.strip()), "")
    after = next((t.strip() for _, t in lines[at + 1 :] if t.strip()), "")
    if not before or not after or max(len(before), len(after)) >= 160:
        return False
    if not any(leading_marker(t) for _, t in lines[:at]):
        return False  # above the first clause: the title repeated, which the splitter reads
    open_end = before[-1] not in "。；;！？!?:：”)）"
    return open_end and leading_marker(after) is None and bool(re.match(r"[\u4e00-\u9fff]", after))


def stray_headers(lines: list[Line], control: dict, warnings: list[str]) -> list[Line]:
    """A running header printed once in the body (a page top the page breaks did not show):
    the document's title with its code, issuer, revision or page number on one short line,
    or the title alone between the halves of a wrapped sentence.  Elsewhere the title alone
    stays: a listing page repeats titles that are documents of their own."""
    body = [i for i, (_, text) in enumerate(lines) if text.strip()]
    if len(body) < 3:
        return lines
    title = re.sub(r"\s+", "", lines[body[0]][1])
    if not title_like(title):
        return lines
    dropped = set()
    for i in body[1:]:
        n, text = lines[i]
        compact = re.sub(r"\s+", " ", _folded(text)).strip()
        if len(compact) > 80 or title not in compact:
            continue
        rest = compact.replace(title, " ", 1)
        parts = rest.split()
        if (parts and _header_rest(rest, control)) or (not parts and _inside_sentence(lines, i)):
            code = next((p for p in parts if _CODE_ONLY.fullmatch(p) and re.search(r"\d", p)), None)
            if code and len(code) >= 4:
                control.setdefault("code", code)
            warnings.append(f"删除页眉 (line {n})")
            dropped.add(i)
    return [line for i, line in enumerate(lines) if i not in dropped]


# --- table of contents ----------------------------------------------------------------------


def drop_toc(lines: list[Line], warnings: list[str]) -> list[Line]:
    """A Word TOC: 目录 then entries ending in a page number after a tab, spaces or leaders."""
    body = _nonempty(lines)
    dropped: set[int] = set()
    for i, (n, text) in enumerate(body[: _TOP * 2]):
        folded = text.strip()
        if _TOC_HEAD.fullmatch(re.sub(r"\s+", " ", folded)):
            entries = [n]
            for m, entry in body[i + 1 :]:
                if not _TOC_ENTRY.fullmatch(entry.strip()):
                    break
                entries.append(m)
            if len(entries) < 3:
                entries = _entries_until_restart(body[i + 1 :], n)
            if len(entries) >= 3:
                dropped.update(entries)
                warnings.append(f"删除目录 (line {n})")
            break
    leaders = [n for n, text in body if _LEADER.fullmatch(text.strip())]
    if len(leaders) >= 2:
        dropped.update(leaders)
    return [(n, t) for n, t in lines if n not in dropped]


def _entries_until_restart(body: list[Line], head: int) -> list[int]:
    """A TOC without page numbers: short numbered lines up to where the first one comes again."""
    entries = [head]
    first = None
    for m, entry in body:
        entry = entry.strip()
        marker = leading_marker(entry)
        if marker is None or len(entry) > 30 or _SENTENCE.search(entry):
            return []
        if first is None:
            first = (marker.style, marker.values)
        elif (marker.style, marker.values) == first:
            return entries
        entries.append(m)
    return []


# --- revision history -----------------------------------------------------------------------


def _cells(text: str) -> list[str]:
    """Cells of a pasted row: split at tabs, or at runs of two or more spaces."""
    return [cell.strip() for cell in re.split(r"\t" if "\t" in text else r" {2,}", text.strip())]


def _is_row(text: str) -> bool:
    return "\t" in text or len(_cells(text)) >= 2


def revision_history(lines: list[Line], control: dict, warnings: list[str]) -> list[Line]:
    """A revision table (版本 / 日期 / 内容 … as tab-separated rows) becomes the history; so do
    two or more rows of revision, date and change with neither a title nor column headings."""
    out: list[Line] = []
    i = 0
    while i < len(lines):
        n, text = lines[i]
        folded = _folded(text).strip()
        header_at = None
        if _HISTORY_HEAD.fullmatch(folded) and i + 1 < len(lines) and _is_row(lines[i + 1][1]):
            header_at = i + 1
        elif _HISTORY_WORDS.search(text) and _is_row(text) and _is_history_header(_cells(folded)):
            header_at = i
        elif _is_row(text) and _history_row(_cells(folded)) and i + 1 < len(lines):
            following = _folded(lines[i + 1][1])
            header_at = i if _is_row(following) and _history_row(_cells(following)) else None
        if header_at is None:
            out.append((n, text))
            i += 1
            continue
        header = [c for c in _cells(_folded(lines[header_at][1])) if c]
        rows = []
        j = header_at + 1
        if _history_row(header):  # no column headings: the first row is a revision already
            header, j = _history_columns(header), header_at
        while j < len(lines) and _is_row(lines[j][1]):
            cells = _cells(_folded(lines[j][1]))
            rows.append(dict(zip(header, cells, strict=False)))
            j += 1
        control.setdefault("revision_history", []).extend(rows)
        warnings.append(f"修订记录转为文件历史 (line {n})")
        i = j
    return out


# In a row beside a date, "1.0" and "V2" are revisions too.
_REVISION_CELL = re.compile(rf"(?:{_REVISION}|[Vv]?\d{{1,2}}\.\d{{1,2}})")
_DATE_CELL = re.compile(rf"(?:{_DATE})")


def _history_row(cells: list[str]) -> bool:
    """A row of a revision table: a revision, a date and what changed ("B/0  2023-05-10  …")."""
    cells = [cell for cell in cells if cell]
    revision = any(_REVISION_CELL.fullmatch(cell) for cell in cells)
    return len(cells) >= 3 and revision and any(_DATE_CELL.fullmatch(cell) for cell in cells)


def _history_columns(cells: list[str]) -> list[str]:
    """Column names for a revision table pasted without its heading row, read from a row."""
    names, others = [], iter(("修订内容", "修订人", "批准人"))
    for cell in (cell for cell in cells if cell):
        if _REVISION_CELL.fullmatch(cell) and "版本" not in names:
            names.append("版本")
        elif _DATE_CELL.fullmatch(cell) and "日期" not in names:
            names.append("日期")
        else:
            names.append(next(others, f"列{len(names) + 1}"))
    return names


def _is_history_header(cells: list[str]) -> bool:
    """Column names of a revision table: a version or a date, and what changed.  A cell that
    holds a value after its label ("版本/修改：B/0"), or a row of labels each followed by its value
    ("文件编号⇥YC-FW-002⇥版本/修改⇥B/0"), belongs to a control box instead."""
    if any(re.search(r":\s*\S", c) for c in cells):
        return False
    pairs = list(zip(cells[::2], cells[1::2], strict=False))
    if len(cells) % 2 == 0 and all(parse_control_block(f"{k}:{v}").values for k, v in pairs):
        return False
    changes = any(_HISTORY_WORDS.search(c) for c in cells)
    version = any("版本" in c or "版次" in c for c in cells)
    dated = any("日期" in c for c in cells) and any("内容" in c or "说明" in c for c in cells)
    return changes and (version or dated)


# --- tables, forms and appendices -----------------------------------------------------------


def _markdown_rows(rows: list[list[str]]) -> list[str]:
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return lines


_SPACE_GAP = re.compile(r" {2,}")
_CELL_END = re.compile(r"[。；;！？!?]$")


def _display(text: str) -> int:
    """Display width: a Chinese character takes two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _spaced_cells(text: str) -> list[tuple[int, str]] | None:
    """(display column, cell) of a line whose cells are set apart by two or more spaces;
    None for a line of one cell, a tab row, a form line or a sentence."""
    if "\t" in text or "___" in text or len(text) > 160:
        return None
    cells, pos = [], len(text) - len(text.lstrip())
    for gap in [*_SPACE_GAP.finditer(text, pos), None]:
        end = gap.start() if gap else len(text)
        cell = text[pos:end].strip()
        if cell:
            cells.append((_display(text[:pos]), cell))
        pos = gap.end() if gap else pos
    if len(cells) < 2 or any(len(c) > 40 or _CELL_END.search(c) for _, c in cells):
        return None
    return cells


def _aligned(rows: list[list[tuple[int, str]]]) -> list[list[str]] | None:
    """The rows as cells of a grid when every cell starts under a column of the widest row
    (two display columns of slack); a short row leaves the columns it skips empty."""
    columns = [column for column, _ in max(rows, key=len)]
    grid = []
    for row in rows:
        cells = [""] * len(columns)
        at = 0
        for column, cell in row:
            while at < len(columns) and abs(columns[at] - column) > 2:
                at += 1
            if at == len(columns):
                return None
            cells[at] = cell
            at += 1
        if not cells[0]:
            return None
        grid.append(cells)
    return grid


def spaced_tables(lines: list[Line]) -> list[Line]:
    """A table set out with spaces (a plain-text paste of a Word table): lines whose cells
    line up in the same columns become tab-separated rows for ``tables``.  Three rows, or two
    of three columns or more; a drawn rule under the heading row (a blank line by now) goes."""
    out = list(lines)
    rules: set[int] = set()
    i = 0
    while i < len(out):
        rows: list[int] = []
        j = i
        while j < len(out):
            blank = not out[j][1].strip() and len(rows) == 1 and j + 1 < len(out)
            if blank and _spaced_cells(out[j + 1][1]) is not None:
                j += 1  # the rule under the heading row
                continue
            if _spaced_cells(out[j][1]) is None:
                break
            rows.append(j)
            j += 1
        run = [_spaced_cells(out[k][1]) for k in rows]
        enough = len(run) >= 3 or (len(run) == 2 and min(len(r) for r in run) >= 3)
        grid = _aligned(run) if enough else None
        if grid:
            for k, cells in zip(rows, grid, strict=True):
                out[k] = (out[k][0], "\t".join(cells))
            rules.update(range(rows[0] + 1, rows[1]))
        i = max(j, i + 1)
    return [line for k, line in enumerate(out) if k not in rules]


def tables(lines: list[Line]) -> list[Line]:
    """Tab-separated rows become a Markdown table; a tab after a clause number is a space."""
    lines = spaced_tables(lines)
    out: list[Line] = []
    run: list[tuple[int, list[str]]] = []

    def flush() -> None:
        if len(run) == 1:  # one row is no table: a tab stop inside a line ("申请人：⇥张三")
            out.append((run[0][0], " ".join(run[0][1])))
        elif run:
            rows = [cells for _, cells in run]
            out.extend((run[0][0], row) for row in _markdown_rows(rows))
        run.clear()

    for n, text in lines:
        if "\t" not in text:
            flush()
            out.append((n, text))
            continue
        cells = [cell.strip() for cell in text.strip().split("\t")]
        while cells and not cells[-1]:
            cells.pop()
        if len(cells) == 2 and leading_marker(cells[0]) and len(cells[0]) <= 12:
            flush()
            out.append((n, f"{cells[0]} {cells[1]}"))  # "1.\t目的"
            continue
        if len(cells) < 2:
            flush()
            out.append((n, " ".join(cells)))
            continue
        run.append((n, cells))
    flush()
    return out


def forms(lines: list[Line]) -> list[Line]:
    """Lines of blank form fields ("日期：______  姓名：______") become an empty Markdown table."""
    out: list[Line] = []
    fields: list[tuple[int, str]] = []

    def flush() -> None:
        if fields:
            rows = [["栏目", "填写"]] + [[label, ""] for _, label in fields]
            out.extend((fields[0][0], row) for row in _markdown_rows(rows))
            fields.clear()

    for n, text in lines:
        folded = _folded(text).strip() if "___" in text else ""
        labels = _FORM_FIELD.findall(folded)
        if labels and not _FORM_FIELD.sub("", folded).strip():
            fields.extend((n, label) for label in labels)
            continue
        if text.strip():
            flush()
        out.append((n, text))
    flush()
    return out


_ATTACHMENT_LIST = re.compile(r"(附[件表])\s*(?::\s*(?=1\s*[.、]\s*\S)(.*)|:)")
_LIST_ITEM = re.compile(r"(?:^|(?<=[\s;,]))(\d{1,2})\s*[.、]\s*")


def _list_items(text: str, first: int) -> list[str]:
    """The items of "1.甲 2.乙" numbered on from ``first``; [] unless the text starts with it."""
    text = _folded(text).strip()
    found, expect = [], first
    for match in _LIST_ITEM.finditer(text):
        if int(match.group(1)) == expect:
            found.append(match)
            expect += 1
    if not found or found[0].start() != 0:
        return []
    ends = [match.start() for match in found[1:]] + [len(text)]
    items = [text[m.end() : end].strip(" ;,。") for m, end in zip(found, ends, strict=True)]
    return items if all(0 < len(item) <= 30 for item in items) else []  # names, not sentences


def _attachment_list(lines: list[Line], at: int, kind: str, rest: str) -> tuple[list[Line], int]:
    """ "附件：1.甲 2.乙" and the numbered lines under it: one appendix heading over a list of
    the attachments' names, not clauses of their own.  Returns the new lines and the next index."""
    items = _list_items(rest, 1)
    n = lines[at][0]
    out = [(n, kind)] + [(n, f"- {item}") for item in items]
    at += 1
    while at < len(lines):
        more = _list_items(lines[at][1], len(items) + 1)
        if not more:
            break
        items += more
        out += [(lines[at][0], f"- {item}") for item in more]
        at += 1
    return out, at


def appendix_headings(lines: list[Line]) -> list[Line]:
    """ "附件1：访客登记表", "附表1  门岗记录" as "附件1 访客登记表", the shape the numbering reads;
    an attachment list ("附件：1.… 2.…") as a 附件 heading over a list."""
    out = []
    i = 0
    while i < len(lines):
        n, text = lines[i]
        listed = _ATTACHMENT_LIST.fullmatch(_folded(text).strip())
        rest = listed and (listed.group(2) or "")
        below = listed and not rest and i + 1 < len(lines) and _list_items(lines[i + 1][1], 1)
        if listed and (_list_items(rest, 1) or below):
            items, i = _attachment_list(lines, i, listed.group(1), rest)
            out += items
            continue
        i += 1
        match = _APPENDIX.fullmatch(_folded(text).strip())
        if match and not _SENTENCE.search(match.group(3)):
            kind, number, title = match.groups()
            text = f"{kind}{number or ''} {title.strip()}"
        out.append((n, text))
    return out


# --- the whole frame ------------------------------------------------------------------------


def prepare(text: str) -> Prepared:
    """Run the frame stages over a raw text; see the module docstring."""
    prepared = Prepared(normalise_lines(text))
    control, warnings = prepared.control, prepared.warnings
    lines = prepared.lines
    rules = detect_sources(_text(lines))
    if rules:
        control["source_kind"] = ",".join(rule.rule.name for rule in rules)
    lines = apply_sources(lines, rules, warnings)
    lines = remove_furniture(lines, warnings, control)
    lines = read_columns(lines, warnings)
    lines = notice_frame(lines, control, warnings)
    lines = revision_history(lines, control, warnings)
    lines = sign_off(lines, control, warnings)
    lines = control_header(lines, control, warnings)
    lines = title_block(lines, control, warnings)
    lines = stray_headers(lines, control, warnings)
    lines = drop_toc(lines, warnings)
    lines = tables(lines)
    lines = forms(lines)
    prepared.lines = appendix_headings(lines)
    return prepared
