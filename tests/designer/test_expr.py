"""The expression language of computed fields and flow conditions: what it computes, what it
refuses, and (property-tested) that no input makes it call anything."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.designer.expr import ExprError, evaluate, names, parse


@pytest.mark.parametrize(
    ("source", "env", "expected"),
    [
        ("1 + 2 * 3", {}, Decimal(7)),
        ("(1 + 2) * 3", {}, Decimal(9)),
        ("amount > 5000", {"amount": Decimal("5000.01")}, True),
        ("amount > 5000", {"amount": Decimal(5000)}, False),
        ("amount >= 5000 and urgent", {"amount": Decimal(6000), "urgent": True}, True),
        ("not urgent or people > 3", {"urgent": True, "people": 4}, True),
        ("kind == '保修期外'", {"kind": "保修期外"}, True),
        ('kind != "保修期外"', {"kind": "保修期内"}, True),
        ("price * qty", {"price": Decimal("12.5"), "qty": 4}, Decimal(50)),
        ("-x + 10", {"x": 3}, Decimal(7)),
        ("10 / 4", {}, Decimal("2.5")),
        ("missing > 3", {"missing": None}, False),  # a blank field satisfies no comparison
        ("missing + 1", {"missing": None}, None),  # and computes nothing
        ("1 / 0", {}, None),  # no division error reaches the form
        ("'a' in tags", {"tags": ["a", "b"]}, True),
    ],
)
def test_it_computes(source, env, expected):
    assert evaluate(parse(source), env) == expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("", "表达式为空。"),
        ("1 +", "表达式不完整"),
        ("(1 + 2", "缺少右括号"),
        ("a.b", "不能使用字符"),
        ("f(1)", "不能调用"),
        ("__import__('os')", "不能调用"),
        ("a[0]", "不能使用字符"),
        ("1 2", "多余的内容"),
        ("'abc", "字符串缺少结束引号"),
        ("lambda: 1", "不能使用字符"),
        ("9" * 60, "数字太长"),
    ],
)
def test_it_refuses_with_a_message(source, message):
    with pytest.raises(ExprError) as caught:
        parse(source)
    assert message in str(caught.value)


def test_names_lists_the_fields_an_expression_reads():
    assert names(parse("amount > 5000 and kind == '外' or amount < x")) == {"amount", "kind", "x"}


def test_depth_is_bounded():
    with pytest.raises(ExprError, match="嵌套太深"):
        parse("(" * 200 + "1" + ")" * 200)


class Trap:
    """A value that fails the test if anything reads an attribute of it or calls it."""

    def __getattr__(self, name):
        raise AssertionError(f"attribute {name} read")

    def __call__(self, *a, **k):
        raise AssertionError("called")


ALPHABET = st.sampled_from([*"abxy_ 0123456789.+-*/%()[]{}<>=!'\",:;@$#\\&|^~`", "and", "or",
                            "not", "in", "__class__", "lambda", "import", "os"])  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(ALPHABET, max_size=30).map("".join))
def test_no_input_calls_anything(source):
    """Whatever the text: it is refused, or it parses into the grammar's nodes only, and
    evaluating it over values that fail on any attribute read or call neither reads nor calls
    them (nor raises anything but ExprError)."""
    try:
        tree = parse(source)
    except ExprError:
        return
    assert _only_grouping(tree)
    with contextlib.suppress(ExprError):
        evaluate(tree, {"a": Trap(), "b": Trap(), "x": Decimal(1), "y": "s"})


def _only_grouping(tree) -> bool:
    """Every node is one of the grammar's: there is no call node at all."""
    kind = tree[0]
    assert kind in {"num", "str", "name", "bool", "neg", "not", "bin", "cmp", "and", "or", "in"}
    return all(_only_grouping(child) for child in tree[1:] if isinstance(child, tuple))


@settings(max_examples=200, deadline=None)
@given(st.recursive(
    st.one_of(st.integers(-10**6, 10**6).map(str), st.sampled_from(["x", "y", "'t'"])),
    lambda inner: st.tuples(inner, st.sampled_from(["+", "-", "*", "/", ">", "<=", "==", "and",
                                                     "or"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
    max_leaves=12,
))  # fmt: skip
def test_well_formed_expressions_always_give_a_value(source):
    result = evaluate(parse(source), {"x": Decimal(3), "y": None})
    assert result is None or isinstance(result, Decimal | bool | str)
