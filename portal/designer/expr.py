"""The small expression language of designed forms: computed fields (`price * qty`) and flow
conditions (`amount > 5000 and kind == '保修期外'`).

A tokenizer and a recursive-descent parser build a tree of tuples; `evaluate` walks it. The
grammar has literals, field names, arithmetic, comparisons, `in`, `and`/`or`/`not` and
parentheses, and nothing else: no calls, attributes, subscripts or lambdas, so no input can
reach Python (docs/decisions/015-form-definitions.md). Blank fields are None: arithmetic on
them gives None, a comparison with them is False; a division by zero gives None.
"""

from __future__ import annotations

import re
from decimal import Context, Decimal, DecimalException, localcontext

MAX_LENGTH = 500
MAX_DEPTH = 40
MAX_DIGITS = 30

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>\d+(?:\.\d+)?)
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<str>'[^'\n]*'|"[^"\n]*")
    | (?P<op>==|!=|>=|<=|[-+*/%<>()])
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "true", "false"}
_COMPARE = {"==", "!=", ">", ">=", "<", "<=", "in"}


class ExprError(ValueError):
    """An expression the language refuses; the message is Chinese and names the problem."""


def tokenize(source: str) -> list[tuple[str, str]]:
    if len(source) > MAX_LENGTH:
        raise ExprError(f"表达式太长（最多 {MAX_LENGTH} 字）。")
    tokens, position = [], 0
    while position < len(source):
        if source[position:].strip() == "":
            break
        match = _TOKEN.match(source, position)
        if match is None or match.end() == position:
            rest = source[position:].lstrip()
            if rest[:1] in "'\"":
                raise ExprError("字符串缺少结束引号。")
            raise ExprError(f"表达式中不能使用字符“{rest[:1]}”。")
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "num" and len(value.replace(".", "")) > MAX_DIGITS:
            raise ExprError(f"数字太长（最多 {MAX_DIGITS} 位）。")
        if kind == "name" and value in _KEYWORDS:
            kind = "kw"
        tokens.append((kind, value))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens):
        self.tokens, self.at, self.depth = tokens, 0, 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, value: str) -> bool:
        token = self.peek()
        if token is not None and token[1] == value and token[0] in ("op", "kw"):
            self.at += 1
            return True
        return False

    def nested(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError("表达式嵌套太深。")

    def or_expr(self):
        self.nested()
        left = self.and_expr()
        while self.take("or"):
            left = ("or", left, self.and_expr())
        self.depth -= 1
        return left

    def and_expr(self):
        left = self.not_expr()
        while self.take("and"):
            left = ("and", left, self.not_expr())
        return left

    def not_expr(self):
        if self.take("not"):
            self.nested()
            inner = self.not_expr()
            self.depth -= 1
            return ("not", inner)
        return self.comparison()

    def comparison(self):
        left = self.sum()
        token = self.peek()
        if token is not None and token[1] in _COMPARE and token[0] in ("op", "kw"):
            self.at += 1
            right = self.sum()
            return ("in", left, right) if token[1] == "in" else ("cmp", token[1], left, right)
        return left

    def sum(self):
        left = self.term()
        while (token := self.peek()) is not None and token[1] in ("+", "-") and token[0] == "op":
            self.at += 1
            left = ("bin", token[1], left, self.term())
        return left

    def term(self):
        left = self.unary()
        while (token := self.peek()) is not None and token[1] in "*/%" and token[0] == "op":
            self.at += 1
            left = ("bin", token[1], left, self.unary())
        return left

    def unary(self):
        if self.take("-"):
            self.nested()
            inner = self.unary()
            self.depth -= 1
            return ("neg", inner)
        return self.atom()

    def atom(self):
        token = self.peek()
        if token is None:
            raise ExprError("表达式不完整。")
        kind, value = token
        self.at += 1
        if kind == "num":
            return ("num", Decimal(value))
        if kind == "str":
            return ("str", value[1:-1])
        if kind == "kw" and value in ("true", "false"):
            return ("bool", value == "true")
        if kind == "name":
            following = self.peek()
            if following == ("op", "("):
                raise ExprError(f"表达式不能调用函数（{value}）。")
            return ("name", value)
        if token == ("op", "("):
            inner = self.or_expr()
            if not self.take(")"):
                raise ExprError("缺少右括号。")
            return inner
        raise ExprError(f"此处不应出现“{value}”。")


def parse(source: str) -> tuple:
    """The tree of `source`, or ExprError with a Chinese message."""
    tokens = tokenize(source or "")
    if not tokens:
        raise ExprError("表达式为空。")
    parser = _Parser(tokens)
    tree = parser.or_expr()
    if parser.peek() is not None:
        raise ExprError(f"表达式有多余的内容：“{parser.peek()[1]}”。")
    return tree


def names(tree: tuple) -> set[str]:
    """The field names an expression reads."""
    if tree[0] == "name":
        return {tree[1]}
    return {n for child in tree[1:] if isinstance(child, tuple) for n in names(child)}


def _number(value):
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    return None


_CONTEXT = Context(prec=34, Emax=10**6, Emin=-(10**6))


def evaluate(tree: tuple, env: dict):
    """The value of `tree` over `env` (field key -> Decimal, int, str, bool, list or None)."""
    with localcontext(_CONTEXT):
        try:
            return _eval(tree, env)
        except DecimalException:
            return None


def _truth(value) -> bool:
    return bool(value) if value is not None else False


def _eval(tree: tuple, env: dict):
    kind = tree[0]
    if kind in ("num", "str", "bool"):
        return tree[1]
    if kind == "name":
        if tree[1] not in env:
            raise ExprError(f"表达式引用了不存在的字段“{tree[1]}”。")
        value = env[tree[1]]
        return Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if kind == "not":
        return not _truth(_eval(tree[1], env))
    if kind == "and":
        return _truth(_eval(tree[1], env)) and _truth(_eval(tree[2], env))
    if kind == "or":
        return _truth(_eval(tree[1], env)) or _truth(_eval(tree[2], env))
    if kind == "neg":
        value = _number(_eval(tree[1], env))
        return None if value is None else -value
    if kind == "in":
        needle, haystack = _eval(tree[1], env), _eval(tree[2], env)
        if isinstance(haystack, list):
            return needle in haystack
        if isinstance(haystack, str) and isinstance(needle, str):
            return needle in haystack
        return False
    if kind == "cmp":
        return _compare(tree[1], _eval(tree[2], env), _eval(tree[3], env))
    if kind == "bin":
        return _arith(tree[1], _eval(tree[2], env), _eval(tree[3], env))
    raise ExprError("无法计算的表达式。")


def _compare(op: str, left, right) -> bool:
    if op == "==":
        return left == right and left is not None
    if op == "!=":
        return left != right and left is not None and right is not None
    a, b = _number(left), _number(right)
    if a is None or b is None:
        if isinstance(left, str) and isinstance(right, str):
            a, b = left, right
        else:
            return False
    return {">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[op]


def _arith(op: str, left, right):
    if op == "+" and isinstance(left, str) and isinstance(right, str):
        return left + right
    a, b = _number(left), _number(right)
    if a is None or b is None:
        return None
    if op in "/%" and b == 0:
        return None
    return {"+": a + b, "-": a - b, "*": a * b, "/": a / b, "%": a % b}[op]
