"""Score the importer against documents whose outline and metadata are written down beside them.

A fixture is ``NAME.txt`` with ``NAME.expected.yaml`` next to it (or in another folder)::

    documents:
      - title: 设备点检管理规定
        metadata: {code: SB-GL-004, revision: A/0, effective_date: "2025-02-10"}
        history: 3                # rows of revision history (optional)
        outline: |                # one clause a line, two spaces per level, number first
          1 目的
            1.1
        contains: [已经入库]        # text that must be found in the document (optional)
    noise: [第1页, 百度文库]         # strings that must survive nowhere (title, preamble, clauses)

Figures: documents found, titles exact, metadata exact, noise strings left, and clause
precision, recall and nesting (the share of matched clauses whose parent matches too).
Clauses are matched by their numbers in order (longest common subsequence). A clause without a
number is matched by its heading, or by ``~`` where an outline writes that instead (to name a
label heading without copying its words).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import yaml

from .models import ParsedClause, ParsedDocument
from .page import parse_page
from .source import read_source

METADATA_KEYS = ("code", "revision", "effective_date", "owner", "approver", "document_number")
_WORD_NUMBER = re.compile(r"^(?:Article|Section|Clause|Chapter|Part)\s+\S+")
_PUNCT = str.maketrans("（）．、", "().,")


@dataclass
class ExpectedDocument:
    title: str
    metadata: dict[str, str] = field(default_factory=dict)
    outline: list[tuple[int, str]] | None = None  # (depth, number); None = not checked
    contains: list[str] = field(default_factory=list)
    history: int | None = None


@dataclass
class Expected:
    documents: list[ExpectedDocument]
    noise: list[str] = field(default_factory=list)
    metadata_keys: tuple[str, ...] = METADATA_KEYS  # the keys compared for "metadata exact"


@dataclass
class Score:
    """Sums over any number of files; the ratios are computed at the end."""

    files: int = 0
    documents_expected: int = 0
    documents_found: int = 0
    titles_exact: int = 0
    metadata_exact: int = 0
    noise_left: int = 0
    text_missing: int = 0
    clauses_expected: int = 0
    clauses_found: int = 0
    clauses_matched: int = 0
    nesting_right: int = 0
    failures: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in self.__dataclass_fields__:
            if name == "failures":
                self.failures.extend(other.failures)
            else:
                setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def precision(self) -> float:
        return self.clauses_matched / self.clauses_found if self.clauses_found else 1.0

    @property
    def recall(self) -> float:
        return self.clauses_matched / self.clauses_expected if self.clauses_expected else 1.0

    @property
    def nesting(self) -> float:
        return self.nesting_right / self.clauses_matched if self.clauses_matched else 1.0

    def figures(self) -> list[tuple[str, float, str]]:
        """``(name, value, unit)`` rows, as the benchmarks print them."""
        return [
            ("documents_found", self.documents_found, f"of {self.documents_expected}"),
            ("titles_exact", self.titles_exact, f"of {self.documents_expected}"),
            ("metadata_exact", self.metadata_exact, f"of {self.documents_expected}"),
            ("noise_left", self.noise_left, "strings"),
            ("text_missing", self.text_missing, "strings"),
            ("clause_precision", round(self.precision, 4), "ratio"),
            ("clause_recall", round(self.recall, 4), "ratio"),
            ("nesting", round(self.nesting, 4), "ratio"),
        ]


def parse_outline(text: str) -> list[tuple[int, str]]:
    """``(depth, number)`` per non-empty line; depth is the indentation in steps of two."""
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 2
        word = _WORD_NUMBER.match(line.strip())
        rows.append((depth, word.group(0) if word else line.split()[0]))
    return rows


def load_expected(path: Path) -> Expected:
    data = yaml.safe_load(path.read_text("utf-8")) or {}
    docs = []
    for item in data.get("documents") or []:
        outline = item.get("outline")
        docs.append(
            ExpectedDocument(
                title=item["title"],
                metadata={k: str(v) for k, v in (item.get("metadata") or {}).items()},
                outline=parse_outline(outline) if outline is not None else None,
                contains=list(item.get("contains") or []),
                history=item.get("history"),
            )
        )
    return Expected(docs, [str(n) for n in data.get("noise") or []])


def normalise_number(number: str) -> str:
    number = re.sub(r"\s+", " ", number.translate(_PUNCT)).strip().rstrip(".,:")
    return number


def document_metadata(doc: ParsedDocument) -> dict[str, Any]:
    control = doc.control
    return {
        "code": doc.code,
        "revision": doc.revision,
        "effective_date": doc.effective_date,
        "owner": control.get("owner"),
        "approver": control.get("approved_by"),
        "document_number": control.get("document_number"),
    }


def visible_text(doc: ParsedDocument) -> str:
    parts = [doc.title, doc.preamble] + [f"{c.number} {c.heading}\n{c.text}" for c in doc.walk()]
    return "\n".join(parts)


UNNUMBERED = "~"  # an outline's mark for a clause without a number


def _flatten(clauses: list[ParsedClause], unnumbered: str = "") -> list[tuple[str, int | None]]:
    """``(number, parent index)`` in document order; a clause without a number counts as its
    heading, or as ``unnumbered`` when that is given."""
    rows: list[tuple[str, int | None]] = []

    def visit(clause: ParsedClause, parent: int | None) -> None:
        rows.append((normalise_number(clause.number or unnumbered or clause.heading), parent))
        index = len(rows) - 1
        for child in clause.children:
            visit(child, index)

    for clause in clauses:
        visit(clause, None)
    return rows


def _expected_rows(outline: list[tuple[int, str]]) -> list[tuple[str, int | None]]:
    rows: list[tuple[str, int | None]] = []
    stack: list[tuple[int, int]] = []  # (depth, index)
    for depth, number in outline:
        while stack and stack[-1][0] >= depth:
            stack.pop()
        rows.append((normalise_number(number), stack[-1][1] if stack else None))
        stack.append((depth, len(rows) - 1))
    return rows


def _score_clauses(doc: ParsedDocument, outline: list[tuple[int, str]], score: Score) -> None:
    marked = any(number == UNNUMBERED for _depth, number in outline)
    want, got = _expected_rows(outline), _flatten(doc.clauses, UNNUMBERED if marked else "")
    matcher = SequenceMatcher(None, [n for n, _ in want], [n for n, _ in got], autojunk=False)
    pairs = {i + k: j + k for i, j, size in matcher.get_matching_blocks() for k in range(size)}
    score.clauses_expected += len(want)
    score.clauses_found += len(got)
    score.clauses_matched += len(pairs)
    nested = sum(1 for i, j in pairs.items() if pairs.get(want[i][1]) == got[j][1])
    score.nesting_right += nested
    if len(pairs) < max(len(want), len(got)) or nested < len(pairs):
        score.failures.append(
            f"{doc.title}: clauses {len(pairs)} matched of {len(want)} expected, "
            f"{len(got)} found, {nested} nested right"
        )


def score_documents(docs: list[ParsedDocument], expected: Expected, name: str = "") -> Score:
    """Compare one file's parsed documents with its expectations."""
    score = Score(files=1, documents_expected=len(expected.documents))
    for n, want in enumerate(expected.documents):
        if n >= len(docs):
            score.failures.append(f"{name}: document {n + 1} ({want.title}) not found")
            if want.outline is not None:
                score.clauses_expected += len(want.outline)
            continue
        doc = docs[n]
        score.documents_found += 1
        if doc.title == want.title:
            score.titles_exact += 1
        else:
            score.failures.append(f"{name}: title {doc.title!r}, expected {want.title!r}")
        keys = expected.metadata_keys
        got = {key: value for key, value in document_metadata(doc).items() if key in keys}
        wanted = {key: want.metadata.get(key) for key in keys}
        history = len(doc.control.get("revision_history") or [])
        if got == wanted and (want.history is None or history == want.history):
            score.metadata_exact += 1
        else:
            diff = {k: (got[k], wanted[k]) for k in keys if got[k] != wanted[k]}
            if want.history is not None and history != want.history:
                diff["history"] = (history, want.history)
            score.failures.append(f"{name}: metadata (got, expected) {diff}")
        text = visible_text(doc)
        for needle in want.contains:
            if needle not in text:
                score.text_missing += 1
                score.failures.append(f"{name}: missing text {needle!r}")
        if want.outline is not None:
            _score_clauses(doc, want.outline, score)
    for doc in docs[len(expected.documents) :]:
        score.clauses_found += sum(1 for _ in doc.walk())
        score.failures.append(f"{name}: extra document {doc.title!r}")
    for doc in docs:
        text = visible_text(doc)
        for noise in expected.noise:
            if noise in text:
                score.noise_left += 1
                score.failures.append(f"{name}: noise {noise!r} left in {doc.title!r}")
    return score


def fixture_pairs(directory: Path, expected_dir: Path | None = None) -> list[tuple[Path, Path]]:
    """``(text file, expectation file)`` for every text file that has an expectation."""
    where = expected_dir or directory
    pairs = []
    for path in sorted(directory.glob("*.txt")):
        expected = where / f"{path.stem}.expected.yaml"
        if expected.is_file():
            pairs.append((path, expected))
    return pairs


def score_directory(directory: Path, expected_dir: Path | None = None) -> Score:
    """Parse every fixture of ``directory`` and add up its figures."""
    total = Score()
    for path, expected in fixture_pairs(Path(directory), expected_dir and Path(expected_dir)):
        docs = parse_page(read_source(path.read_bytes(), path.name), path.name)
        total.add(score_documents(docs, load_expected(expected), path.name))
    return total
