"""Build the sharded substring-search index for the offline static export.

Word-segmenting engines (Pagefind, lunr + jieba) miss Chinese terms that sit
inside or across their words (see docs/decisions/002-static-search.md), so the
export ships an index that reproduces the live search exactly: a clause matches
when its normalized text (``search_text.normalize``) contains every query term.

Layout written into ``outdir`` (all files are JavaScript, because Chromium
refuses ``fetch`` of ``file://`` URLs; each one calls
``window.PortalSearch.shard(name, digest, payload)``, see
``static/js/offline-search.js``). The layout keeps a query to a few files
(docs/decisions/018-offline-search-shards.md):

* ``meta.js``, always loaded: digest, document count, shard counts, the first
  document of each text shard, the ranking weights (``portal.search.ranking``),
  the document frequency of the common characters and the table of procedures
  ``[code, title, aliases, named body, reviewed, url]`` (normalized aliases one
  per line; the named body is what a procedure hit must contain).
* ``g-XX.js``: posting lists of character unigrams and bigrams of the
  normalized text, sharded by a hash of the gram's *first character*, so one
  file holds a character and every bigram starting with it. The payload is two
  packed strings (unigrams, bigrams): for each gram (sorted), its code points,
  then a varint count, then the first document number and the gaps minus one.
  A query reads one such file per term: the one of the term's rarest character.
* ``t-XX.js``: the documents, by ranges of document number, cut at procedure
  boundaries where possible (a term's matches cluster in a few procedures):
  ``[id, url, procedure index, label, normalized text, overlay, lead, heading]``
  where the overlay ``[[utf16_offset, original_chars], ...]`` (0 when none)
  restores the original letter case for snippets, ``lead`` is how many UTF-16
  units of the text the snippet skips (the clause number, which the label
  already shows) and ``heading`` how many UTF-16 units after it are the clause
  heading (trailing zeros are left off).

The browser intersects the postings it has loaded for each term and then
checks each candidate by substring test on the text, so the postings only have
to be a superset; results equal the oracle.
Documents are numbered in input order. ``url`` is relative to the site root,
which the script takes to be the parent of ``outdir`` unless the page says
otherwise. The output is deterministic: the same entries give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from operator import add, sub
from pathlib import Path

from portal.search import ranking
from portal.search.text import normalize

FORMAT_VERSION = 2
# Sizes measured with bench/bench_static_search.py (docs/decisions/018): a query reads meta.js,
# one gram shard per term and the text shards of its matches, so fewer, larger shards mean
# fewer files; text shards of a procedure or two keep a clustered term in one or two files.
GRAM_SHARD_TARGET_BYTES = 16 * 1024
TEXT_SHARD_TARGET_BYTES = 128 * 1024
# Characters in at least this many documents get their frequency in meta.js; a term is looked up
# by its rarest character, and one missing from the table is rarer than all listed.
COMMON_CHAR_DOCS = 8
# The ranking constants the browser mirrors (portal/search/ranking.py).
RANKING_WEIGHTS = (
    "K1", "B", "AVG_CHARS", "W_HEADING", "W_HEADING_EXACT", "W_TITLE", "W_ALIAS", "W_ALIGNED",
    "W_FIRST_MENTION", "W_REVIEWED", "W_CURRENT", "DOC_EXACT", "DOC_ALIAS_EXACT", "DOC_NAMED",
    "DOC_PREAMBLE", "DOC_REVIEWED", "DOC_SUPERSEDED",
)  # fmt: skip
DOCUMENT_LIMIT = 10  # as portal.search.index.DOCUMENT_LIMIT
# Varint digits: the first 32 end a number, the last 32 continue it. None of
# them needs escaping inside a JSON string.
VARINT_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
# Files owned by this module; stale ones from an earlier, larger build go away.
_OWN_FILE_RE = re.compile(r"^(?:meta|[ubgt]-[0-9a-f]+)\.js$")
_REQUIRED_KEYS = ("id", "url", "code", "title", "label", "text")
_MASK32 = 0xFFFFFFFF


@dataclass(frozen=True)
class _Doc:
    id: str
    url: str
    proc: int
    label: str
    text: str
    overlay: list[list[int | str]]
    lead: int = 0
    heading: int = 0


def gram_hash(gram: str) -> int:
    """FNV-1a over code points plus the murmur3 finalizer (mirrored in JS).

    The finalizer matters because the shard is taken from the low bits and
    FNV alone mixes them poorly for two-character inputs.
    """
    h = 0x811C9DC5
    for ch in gram:
        h = ((h ^ ord(ch)) * 0x01000193) & _MASK32
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _MASK32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _MASK32
    return h ^ (h >> 16)


def _varint(value: int) -> str:
    if value < 32:  # most gaps: one digit
        return VARINT_ALPHABET[value]
    digits = []
    while value >= 32:
        digits.append(VARINT_ALPHABET[32 + (value & 31)])
        value >>= 5
    digits.append(VARINT_ALPHABET[value])
    return "".join(digits)


def encode_postings(doc_numbers: list[int], table: list[str] | None = None) -> str:
    """Count, first document number, then gaps minus one (gaps are >= 1).

    `table[v]` may hold `_varint(v)` for the values that can occur (below the number of
    documents): building a large index then costs a list lookup per posting."""
    if table is None:
        table = _varint_table(max(doc_numbers, default=0) + 1)
    # gap minus one = number - (previous + 1), with previous = -1 before the first.
    starts = [0, *(number + 1 for number in doc_numbers[:-1])]
    return _varint(len(doc_numbers)) + "".join(
        map(table.__getitem__, map(sub, doc_numbers, starts))
    )


def _varint_table(size: int) -> list[str]:
    return [_varint(value) for value in range(size)]


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _case_overlay(text: str, normalized: str) -> list[list[int | str]]:
    """Runs of original characters that lower-casing changed, for display.

    Offsets are UTF-16 positions in ``normalized``. A character is restored
    only where lower-casing kept it one character of the same UTF-16 width
    (Latin, Greek, Cyrillic, full-width letters); the rare others, such as
    "İ" -> "i̇", stay lower-case so the offsets never drift.
    """
    collapsed = " ".join(text.split())
    if collapsed == normalized:
        return []
    # str.lower() maps each character on its own except that a capital sigma
    # may become final sigma, which has the same length, so this aligns.
    lowered = [ch.lower() for ch in collapsed]
    if sum(map(len, lowered)) != len(normalized):
        return []
    changed: list[tuple[int, str]] = []
    offset = position = 0
    for original, lower in zip(collapsed, lowered, strict=True):
        if lower == original:  # the common case, kept cheap
            position += 1
            offset += 2 if original > "\uffff" else 1
            continue
        target = normalized[position : position + len(lower)]
        if len(lower) == 1 and _utf16_len(original) == _utf16_len(target):
            changed.append((offset, original))
        position += len(lower)
        offset += _utf16_len(target)
    return _merge_runs(changed)


def _merge_runs(changed: list[tuple[int, str]]) -> list[list[int | str]]:
    """Join characters at consecutive UTF-16 offsets into [offset, chars] runs."""
    runs: list[list[int | str]] = []
    end = -1
    for offset, char in changed:
        if offset == end:
            runs[-1][1] = f"{runs[-1][1]}{char}"
        else:
            runs.append([offset, char])
        end = offset + _utf16_len(char)
    return runs


def _proc_row(code: str, title: str, document: dict | None) -> list:
    """[code, title, aliases, named body, reviewed, url] of the procedures table. Without a
    document the named body is empty: the procedure itself is then never a hit."""
    if document is None:
        return [code, title, "", "", 1, ""]
    aliases = [normalize(alias) for alias in document.get("aliases") or [] if alias.strip()]
    named = (code, title, *(document.get("aliases") or []), document.get("preamble") or "")
    return [
        code,
        title,
        "\n".join(aliases),
        normalize(" ".join(part for part in named if part)),
        int(bool(document.get("reviewed", True))),
        document.get("url") or "",
    ]


def _heading_units(normalized: str, lead: int, heading: str) -> int:
    """UTF-16 units of the normalized heading where it follows the clause number, else 0."""
    heading = normalize(heading or "")
    units = normalized.encode("utf-16-le")[2 * lead :].decode("utf-16-le", "replace")
    if not heading or not units.startswith(heading):
        return 0
    return _utf16_len(heading)


def _collect_docs(
    entries: Iterable[dict], documents: Iterable[dict] = ()
) -> tuple[list[_Doc], list[list]]:
    """Validate entries, number them and fold repeated procedures into a table (with the
    procedure fields of `documents`, by code; procedures without clauses are added after)."""
    by_code = {document["code"]: document for document in documents}
    docs: list[_Doc] = []
    procs: list[list] = []
    proc_index: dict[tuple[str, str], int] = {}
    seen_ids: set[str] = set()
    for position, entry in enumerate(entries):
        missing = [key for key in _REQUIRED_KEYS if not isinstance(entry.get(key), str)]
        if missing:
            raise ValueError(f"entry {position} lacks string field(s): {', '.join(missing)}")
        if entry["id"] in seen_ids:
            raise ValueError(f"duplicate entry id: {entry['id']!r}")
        seen_ids.add(entry["id"])
        key = (entry["code"], entry["title"])
        if key not in proc_index:
            proc_index[key] = len(procs)
            procs.append(_proc_row(*key, by_code.get(key[0])))
        normalized = normalize(entry["text"])
        lead = int(entry.get("lead") or 0)
        docs.append(
            _Doc(
                id=entry["id"],
                url=entry["url"],
                proc=proc_index[key],
                label=entry["label"],
                text=normalized,
                overlay=_case_overlay(entry["text"], normalized),
                lead=lead,
                heading=_heading_units(normalized, lead, entry.get("heading") or ""),
            )
        )
    named = {code for code, _ in proc_index}
    for code, document in sorted(by_code.items()):
        if code not in named:
            procs.append(_proc_row(code, document.get("title") or "", document))
    return docs, procs


def _postings(docs: list[_Doc]) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Unigram and bigram posting lists (sorted document numbers)."""
    unigrams: defaultdict[str, list[int]] = defaultdict(list)
    bigrams: defaultdict[str, list[int]] = defaultdict(list)
    for number, doc in enumerate(docs):
        text = doc.text
        for gram in set(text):
            unigrams[gram].append(number)
        # Bigrams with a space are kept for phrases like "5、2 非".
        for gram in set(map(add, text, text[1:])):
            bigrams[gram].append(number)
    # A space is never a whole term (terms are stripped), so its unigram is not needed.
    unigrams.pop(" ", None)
    return unigrams, bigrams


def _shard_count(total_bytes: int, target: int) -> int:
    """Smallest power of two giving shards of at most about ``target`` bytes."""
    count = 1
    while total_bytes > count * target:
        count *= 2
    return count


def _shard_name(kind: str, index: int, count: int) -> str:
    width = max(2, len(f"{count - 1:x}"))
    return f"{kind}-{index:0{width}x}"


def _gram_shards(
    unigrams: dict[str, list[int]], bigrams: dict[str, list[int]], docs: int
) -> dict[str, list[str]]:
    """Pack posting lists into shards addressed by a hash of the gram's first character (name ->
    [packed unigrams, packed bigrams])."""
    table = _varint_table(docs)
    encoded = [
        {gram: encode_postings(numbers, table) for gram, numbers in postings.items()}
        for postings in (unigrams, bigrams)
    ]
    total = sum(len(g.encode()) + len(c) for part in encoded for g, c in part.items())
    count = _shard_count(total, GRAM_SHARD_TARGET_BYTES)
    buckets: list[list[list[str]]] = [[[], []] for _ in range(count)]
    # Sorting by code point order makes the payload independent of dict order.
    for kind, part in enumerate(encoded):
        for gram in sorted(part):
            buckets[gram_hash(gram[0]) % count][kind].append(gram + part[gram])
    return {
        _shard_name("g", i, count): ["".join(uni), "".join(bi)]
        for i, (uni, bi) in enumerate(buckets)
    }


def _common_chars(unigrams: dict[str, list[int]]) -> str:
    """Packed (character, varint document count) for the characters in many documents."""
    return "".join(
        gram + _varint(len(numbers))
        for gram, numbers in sorted(unigrams.items())
        if len(numbers) >= COMMON_CHAR_DOCS
    )


def _doc_record(doc: _Doc) -> list:
    record: list = [doc.id, doc.url, doc.proc, doc.label, doc.text, doc.overlay or 0]
    record += [doc.lead, doc.heading]
    while len(record) > 5 and not record[-1]:
        record.pop()
    return record


def _text_shards(docs: list[_Doc]) -> tuple[dict[str, list], list[int]]:
    """Cut the documents into consecutive ranges of roughly equal byte size."""
    ranges: list[list[list]] = []
    starts: list[int] = []
    size = TEXT_SHARD_TARGET_BYTES
    previous_proc = -1
    for number, doc in enumerate(docs):
        record = _doc_record(doc)
        # A new procedure starts a new shard once this one is half full.
        boundary = doc.proc != previous_proc and size >= TEXT_SHARD_TARGET_BYTES // 2
        previous_proc = doc.proc
        if size >= TEXT_SHARD_TARGET_BYTES or boundary:
            ranges.append([])
            starts.append(number)
            size = 0
        ranges[-1].append(record)
        size += len(_js_literal(record).encode())
    count = len(ranges)
    return {_shard_name("t", i, count): records for i, records in enumerate(ranges)}, starts


def _js_literal(value: object) -> str:
    """Compact JSON, kept as UTF-8; U+2028/9 escaped for pre-ES2019 parsers."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _render(name: str, digest: str, payload: object) -> bytes:
    # The BOM pins the encoding to UTF-8 whatever the host page or server says.
    call = f"window.PortalSearch.shard({_js_literal(name)},{_js_literal(digest)},"
    return ("\ufeff" + call + _js_literal(payload) + ");\n").encode()


def _write_files(outdir: Path, files: dict[str, bytes]) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    for stale in sorted(outdir.iterdir()):
        if _OWN_FILE_RE.match(stale.name) and stale.name not in files:
            stale.unlink()
    for filename, content in sorted(files.items()):
        path = outdir / filename
        # Skip unchanged files so repeated exports keep their timestamps.
        if not path.is_file() or path.read_bytes() != content:
            path.write_bytes(content)


def build_static_index(
    entries: Iterable[dict], outdir: Path, documents: Iterable[dict] = ()
) -> dict:
    """Write the offline search index for ``entries`` into ``outdir``.

    Each entry is ``{"id", "url", "code", "title", "label", "text"}`` (all
    strings, ``text`` not yet normalized), optionally with ``lead`` (an int, see
    the module docstring) and ``heading`` (the clause heading, a ranking field).
    ``documents`` are the procedures as search hits of their own:
    ``{"code", "title", "url", "aliases": [...], "preamble", "reviewed"}``
    (see ``export_documents``). Returns build statistics:
    ``docs``, ``files``, ``bytes`` (total), ``largest_file_bytes``,
    ``shards`` (count per kind) and ``digest``.
    """
    outdir = Path(outdir)
    docs, procs = _collect_docs(entries, documents)
    unigrams, bigrams = _postings(docs)
    payloads: dict[str, object] = {}
    payloads.update(_gram_shards(unigrams, bigrams, len(docs)))
    text_payloads, text_starts = _text_shards(docs)
    payloads.update(text_payloads)
    shard_counts = {kind: sum(name[0] == kind for name in payloads) for kind in "gt"}
    meta = {
        "format": FORMAT_VERSION,
        "docs": len(docs),
        "shards": shard_counts,
        "text_starts": text_starts,
        "common": _common_chars(unigrams),
        "weights": {name: getattr(ranking, name) for name in RANKING_WEIGHTS},
        "document_limit": DOCUMENT_LIMIT,
        "procs": procs,
    }
    digest_source = _js_literal([meta, sorted(payloads.items())]).encode()
    digest = hashlib.sha256(digest_source).hexdigest()[:16]
    files = {f"{name}.js": _render(name, digest, payload) for name, payload in payloads.items()}
    files["meta.js"] = _render("meta", digest, meta)
    _write_files(outdir, files)
    sizes = [len(content) for content in files.values()]
    return {
        "docs": len(docs),
        "files": len(files),
        "bytes": sum(sizes),
        "largest_file_bytes": max(sizes),
        "shards": shard_counts,
        "digest": digest,
    }


def export_documents(url_for_procedure) -> list[dict]:
    """The current, listed procedures as ``build_static_index`` documents: what names them
    (code, title, aliases, preamble) as the live search's procedure hits use it."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.procedures.models import Procedure, SearchDocument

    rows = db.session.execute(
        select(SearchDocument, Procedure.reviewed)
        .join(Procedure, Procedure.id == SearchDocument.procedure_id)
        .where(SearchDocument.is_current.is_(True), SearchDocument.hidden.is_(False))
        .order_by(SearchDocument.revision_id)
    ).all()
    return [
        {
            "code": document.code,
            "title": document.title,
            "url": url_for_procedure(document.code),
            "aliases": [alias for alias in (document.aliases or "").split("\n") if alias],
            "preamble": document.preamble or "",
            "reviewed": bool(reviewed),
        }
        for document, reviewed in rows
    ]
