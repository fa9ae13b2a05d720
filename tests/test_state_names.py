"""State names have one home each: a delivery's and a channel send's in core/deliveries,
an ask's in ledger/asks, a talk's in talks/rules, a talk's chain step's in
talks/planning. Everywhere else a state is compared with those names, never with a
string written out; the two modules below those homes (store/layout, core/weeks) name
the few they need again, and these tests keep them equal.
"""

from __future__ import annotations

import ast
from pathlib import Path

from halfway.core import deliveries, weeks
from halfway.ledger import asks
from halfway.store import layout
from halfway.talks import planning, rules

SRC = Path(__file__).resolve().parent.parent / "src" / "halfway"
HOMES = {"core/deliveries.py", "ledger/asks.py", "talks/rules.py", "talks/planning.py"}


def test_what_leaves_the_hot_file_names_the_homes_states():
    assert frozenset({rules.DONE, rules.CANCELLED}) == layout.DONE_TALKS
    assert layout.PLANNED_TALK == rules.PLANNED
    assert layout.PLANNED_STEP == planning.STEP_PLANNED
    assert frozenset(asks.STATES) - {asks.DRAFT, asks.ASKED} == layout.SETTLED_ASKS


def test_what_a_week_holds_names_the_asks_states():
    assert weeks.AGREED == asks.AGREED
    assert frozenset({asks.MADE, asks.ASKED}) == weeks.SAID
    assert asks.LEGACY == {asks.MADE: asks.ASKED}


def test_a_delivery_that_reached_the_user_is_one_rule():
    assert set(deliveries.REACHED) == {deliveries.SENT, deliveries.LATE, deliveries.PARTIAL}
    assert set(deliveries.FINAL_UNSENT) == {deliveries.MISSED, deliveries.SKIPPED}


def _is_state(node: ast.AST) -> bool:
    """`x["state"]`, `x.get("state")`, `x.state` or a name `state`."""
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value == "state"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        first = node.args[0] if node.args else None
        return (
            node.func.attr == "get" and isinstance(first, ast.Constant) and first.value == "state"
        )
    return (isinstance(node, ast.Name) and node.id == "state") or (
        isinstance(node, ast.Attribute) and node.attr == "state"
    )


def _written_out(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_written_out(element) for element in node.elts)
    return False


def test_no_state_is_compared_with_a_name_written_out_outside_its_home():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        name = path.relative_to(SRC).as_posix()
        if name in HOMES:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                if any(map(_is_state, sides)) and any(map(_written_out, sides)):
                    found.append(f"{name}:{node.lineno}: {ast.unparse(node)}")
    assert found == []
