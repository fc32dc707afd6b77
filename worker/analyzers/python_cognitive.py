"""Cognitive complexity of Python functions, as SonarSource's specification defines it and
SonarQube's Python analyzer (sonar-python's `CognitiveComplexityVisitor`) applies it to Python.

Computed after the engine's walk from the nodes it collected (`COLLECT`), because Python needs
what the engine's generic, in-walk count cannot give:

- Increments: +1 plus the nesting level for `if`, `for`, `while`, `except`, a conditional
  expression and `match` (the specification's `switch`); +1 without nesting for `elif` and for
  every `else` (of `if`, of a loop, of `try`); +1 per run of like boolean operators in a chain
  (`a and b and c` 1, `a and b or c` 2; parentheses and `not` start a new chain).
  Comprehensions, `with`, `try`, `finally`, `break`, `continue` and calls add nothing; recursion
  adds nothing (as in sonar-python: a cycle may span files an analyzer of one file cannot see).
- Nesting: the bodies of `if`/`elif`/`else`, loops, `except` and `case` are one level deeper
  (not their conditions; not the bodies of `try`, `finally` or `with`); so is everything inside a
  conditional expression and a lambda's body.
- Nested functions count towards the function that holds them, one level deeper (not deeper at
  all for a decorator's wrapper: a function whose enclosing function only returns names); a class
  restarts at level 0. Each nested function also gets its own figure, measured as if it stood
  alone.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

from tree_sitter import Node

from worker.analyzers.engine import Scope, count_operator_runs

NESTING_STRUCTURES = frozenset({"if_statement", "for_statement", "while_statement",
                                "except_clause", "except_group_clause", "conditional_expression",
                                "match_statement"})
FLAT = frozenset({"elif_clause", "else_clause"})
BLOCK_OWNERS = frozenset({"if_statement", "elif_clause", "else_clause", "for_statement",
                          "while_statement", "except_clause", "except_group_clause",
                          "case_clause"})  # their `block` children are one level deeper
COLLECT = NESTING_STRUCTURES | FLAT | BLOCK_OWNERS | frozenset(
    {"boolean_operator", "lambda", "function_definition", "class_definition"})

NEST, FUNCTION, CLASS, LAMBDA = range(4)


@dataclass(slots=True)
class Frame:
    start: int
    end: int
    kind: int
    step: int = 1  # levels it adds for what it holds, seen from outside
    resets: bool = False  # what it holds starts again at level 0 (a class, a method)
    scope: Scope | None = None  # the measured function it is, if any


def measure(collected: dict[str, list[Node]], scopes: list[Scope],
            fstrings: dict[str, list[Node]]) -> dict[int, int]:
    """Cognitive complexity per scope: id(Scope) -> value. `fstrings`: the nodes inside
    f-strings' replacement fields (python_radon.fstring_nodes), which the walk does not enter."""
    result = {id(scope): 0 for scope in scopes}
    targets: list[tuple[int, str, Node]] = []
    for kind in NESTING_STRUCTURES | FLAT | {"boolean_operator"}:
        targets.extend((node.start_byte, kind, node) for node in collected.get(kind, ()))
        targets.extend((node.start_byte, kind, node) for node in fstrings.get(kind, ()))
    if not targets or not scopes:
        return result
    # by start, an outer node before the nodes inside it that start with it (`a and b and c`)
    targets.sort(key=lambda t: (t[0], -t[2].end_byte))
    starts = [t[0] for t in targets]

    def holds(start: int, end: int) -> bool:
        """Whether an increment starts strictly inside [start, end): frames that hold none do
        not matter, and most do not (so their children are never looked up)."""
        index = bisect_right(starts, start)
        return index < len(starts) and starts[index] < end

    by_start = {scope.node.start_byte: scope for scope in scopes}
    frames = _frames(collected, by_start, holds) + _frames(fstrings, by_start, holds)
    frames.sort(key=lambda f: (f.start, -f.end))

    stack: list[Frame] = []
    merged: set[tuple[int, int]] = set()  # boolean operators counted in an outer chain
    next_frame = 0
    for start, kind, node in targets:
        while next_frame < len(frames) and frames[next_frame].start <= start:
            frame = frames[next_frame]
            next_frame += 1
            while stack and stack[-1].end <= frame.start:
                stack.pop()
            if frame.kind == FUNCTION:
                frame.step, frame.resets = _function_step(frame, stack)
            stack.append(frame)
        while stack and stack[-1].end <= start:
            stack.pop()
        if not stack:
            continue  # module level: no function to charge
        if kind in NESTING_STRUCTURES:
            _charge(stack, result, 1, nesting=True)
        elif kind in FLAT:
            _charge(stack, result, 1, nesting=False)
        elif (node.start_byte, node.end_byte) not in merged:
            runs = _runs(node, merged)
            if runs:
                _charge(stack, result, runs, nesting=False)
    return result


def _charge(stack: list[Frame], result: dict[int, int], amount: int, nesting: bool) -> None:
    """Add an increment to every measured function that holds it, each at its own level."""
    level = 0
    frozen = False
    for frame in reversed(stack):
        if frame.scope is not None:
            result[id(frame.scope)] += amount + (level if nesting else 0)
        if frozen:
            continue
        if frame.resets:
            frozen = True  # what it holds started again at 0: what is outside it adds nothing
        else:
            level += frame.step


def _runs(node: Node, merged: set[tuple[int, int]]) -> int:
    """Runs of like operators in the chain of boolean operators rooted at `node`."""
    operators: list[tuple[int, str]] = []
    stack = [node]
    while stack:
        current = stack.pop()
        merged.add((current.start_byte, current.end_byte))
        for child in current.children:
            if child.type == "boolean_operator":
                stack.append(child)
            elif child.type in ("and", "or"):
                operators.append((child.start_byte, child.type))
    return count_operator_runs(operators)


def _frames(collected: dict[str, list[Node]], by_start: dict[int, Scope],
            holds: Callable[[int, int], bool]) -> list[Frame]:
    frames: list[Frame] = []
    for kind in BLOCK_OWNERS:
        for node in collected.get(kind, ()):
            if holds(node.start_byte, node.end_byte):
                for child in node.children:
                    if child.type == "block":
                        frames.append(Frame(child.start_byte, child.end_byte, NEST))
    for node in collected.get("conditional_expression", ()):
        # from just after its start: the expression itself is at the outer level
        if holds(node.start_byte, node.end_byte):
            frames.append(Frame(node.start_byte + 1, node.end_byte, NEST))
    for node in collected.get("lambda", ()):
        if holds(node.start_byte, node.end_byte):
            body = node.child_by_field_name("body")
            if body is not None:
                frames.append(Frame(body.start_byte, node.end_byte, LAMBDA,
                                    scope=by_start.get(node.start_byte)))
    for node in collected.get("function_definition", ()):
        if holds(node.start_byte, node.end_byte):
            frames.append(Frame(node.start_byte, node.end_byte, FUNCTION,
                                scope=by_start.get(node.start_byte)))
    for node in collected.get("class_definition", ()):
        if holds(node.start_byte, node.end_byte):
            frames.append(Frame(node.start_byte, node.end_byte, CLASS, step=0, resets=True))
    return frames


def _function_step(frame: Frame, stack: list[Frame]) -> tuple[int, bool]:
    """(how much deeper a function's body is than where it is defined, whether it starts again
    at level 0): one level inside a function, none for a decorator's wrapper (a function whose
    enclosing function only returns names); at module level or in a class it starts at 0."""
    outer = next((f for f in reversed(stack) if f.kind in (FUNCTION, CLASS)), None)
    if outer is None or outer.kind != FUNCTION or outer.scope is None:
        return 0, True
    body = outer.scope.node.child_by_field_name("body")
    if body is None:
        return 1, False
    for statement in body.named_children:
        if statement.type == "comment":
            continue
        if statement.start_byte <= frame.start < statement.end_byte:
            continue  # the function itself (perhaps decorated)
        if statement.type != "return_statement" or statement.named_child_count != 1 or \
                statement.named_children[0].type != "identifier":
            return 1, False
    return 0, False
