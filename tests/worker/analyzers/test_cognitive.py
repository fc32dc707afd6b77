"""Cognitive complexity against the worked examples of SonarSource's specification ("Cognitive
Complexity", G. Ann Campbell, version 1.7), translated to Python where they translate, plus the
Python-specific decisions docs/metrics.md records (elif, loop `else`, nested functions,
decorator wrappers, classes, recursion). Each expected figure is the specification's (or
sonar-python's, for what the specification leaves to each language), with the increments
written beside the line that earns them."""

from __future__ import annotations

import textwrap

import pytest

from mesh.models import FunctionMetrics
from worker.analyzers.python import PythonAnalyzer

ANALYZER = PythonAnalyzer()


def measured(source: str) -> dict[str, FunctionMetrics]:
    result = ANALYZER.analyze(textwrap.dedent(source).encode(), "x.py")
    return {f.qualified_name: f for f in result.functions}


def cognitive(source: str) -> dict[str, int]:
    return {name: f.cognitive for name, f in measured(source).items()}


# --- the specification's examples ---------------------------------------------------------------

SUM_OF_PRIMES = """
def sum_of_primes(limit):
    total = 0
    for i in range(1, limit + 1):   # +1
        for j in range(2, i):       # +2 (nesting 1)
            if i % j == 0:          # +3 (nesting 2)
                break               # Java's `continue OUT` (+1) becomes break ...
        else:                       # +1 ... and the loop's else
            total += i
    return total
"""  # the specification's 7

GET_WORDS = """
def get_words(number):
    match number:                   # +1: a switch counts once, whatever its cases
        case 1:
            return "one"
        case 2:
            return "a couple"
        case 3:
            return "a few"
        case _:
            return "lots"
"""  # the specification's 1 (its cyclomatic complexity is 4)

NESTING = """
def my_method():
    try:                                    # try: no increment, no nesting
        if condition1:                      # +1
            for i in range(10):             # +2 (nesting 1)
                while condition2:           # +3 (nesting 2)
                    pass
    except (ExcepType1, ExcepType2) as e:   # +1
        if condition2:                      # +2 (nesting 1)
            pass
"""  # the specification's 9

LAMBDA = """
def my_method2():
    r = lambda: (1 if condition1 else 2)    # lambda: +0, nesting 1; ternary +2 (nesting 1)
"""  # the specification's 2 (its lambda holds an `if`: Python's lambda holds an expression)

MIXED_OPERATORS = """
def f(a, b, c, d, e, f):
    if (a                                   # +1 for `if`
            and b and c                     # +1
            or d or e                       # +1
            and f):                         # +1
        pass
"""  # the specification's 4

NEGATION = """
def f(a, b, c):
    if (a                                   # +1 for `if`
            and                             # +1
            not (b and c)):                 # +1
        pass
"""  # the specification's 3

TO_REGEXP = r"""
def to_regexp(ant_pattern, directory_separator):
    escaped_directory_separator = "\\" + directory_separator
    sb = ["^"]
    i = 1 if ant_pattern.startswith("/") or ant_pattern.startswith("\\") else 0  # +1, +1
    while i < len(ant_pattern):                                                  # +1
        ch = ant_pattern[i]
        if ch in SPECIAL_CHARS:                                                  # +2
            sb.append("\\" + ch)
        elif ch == "*":                                                          # +1
            if i + 1 < len(ant_pattern) and ant_pattern[i + 1] == "*":           # +3, +1
                if i + 2 < len(ant_pattern) and is_slash(ant_pattern[i + 2]):    # +4, +1
                    sb.append("(?:.*" + escaped_directory_separator + "|)")
                    i += 2
                else:                                                            # +1
                    sb.append(".*")
                    i += 1
            else:                                                                # +1
                sb.append("[^" + escaped_directory_separator + "]*?")
        elif ch == "?":                                                          # +1
            sb.append("[^" + escaped_directory_separator + "]")
        elif is_slash(ch):                                                       # +1
            sb.append(escaped_directory_separator)
        else:                                                                    # +1
            sb.append(ch)
        i += 1
    sb.append("$")
    return "".join(sb)
"""  # the specification's appendix: WildcardPattern.toRegexp, 20


@pytest.mark.parametrize(("source", "name", "expected"), [
    (SUM_OF_PRIMES, "sum_of_primes", 7),
    (GET_WORDS, "get_words", 1),
    (NESTING, "my_method", 9),
    (LAMBDA, "my_method2", 2),
    (MIXED_OPERATORS, "f", 4),
    (NEGATION, "f", 3),
    (TO_REGEXP, "to_regexp", 20),
], ids=["sum_of_primes", "switch", "nesting", "lambda", "mixed-operators", "negation",
        "to_regexp"])
def test_specification_examples(source: str, name: str, expected: int) -> None:
    assert cognitive(source)[name] == expected


# --- increments ---------------------------------------------------------------------------------


def test_elif_and_else_are_hybrid_increments() -> None:
    """+1 each, never plus nesting; but what they hold is one level deeper."""
    assert cognitive("""
    def f(a, b):
        if a:               # +1
            pass
        elif b:             # +1
            if a:           # +2 (nesting 1)
                pass
        else:               # +1
            if b:           # +2 (nesting 1)
                pass
    """)["f"] == 7


def test_every_else_counts_the_loops_and_trys_too() -> None:
    assert cognitive("""
    def f(xs):
        for x in xs:        # +1
            pass
        else:               # +1
            pass
        while xs:           # +1
            pass
        else:               # +1
            pass
        try:
            pass
        except ValueError:  # +1
            pass
        else:               # +1
            pass
        finally:            # +0
            pass
    """)["f"] == 6


def test_runs_of_like_boolean_operators() -> None:
    found = cognitive("""
    def one(a, b, c, d):
        return a and b and c and d      # +1
    def two(a, b, c):
        return a and b or c             # +2
    def three(a, b, c, d):
        return a or b and c or d        # +3: or, and, or
    def groups(a, b, c, d):
        return a and (b or c) and d     # +1 outer run, +1 the parenthesised one
    """)
    assert found == {"one": 1, "two": 2, "three": 3, "groups": 2}


def test_what_adds_nothing() -> None:
    """Comprehensions, `with`, `try`, `finally`, `break`, `continue`, calls and recursion."""
    assert cognitive("""
    def factorial(n):
        with lock:
            try:
                values = [x for x in range(n) if x % 2 for y in range(x) if y]
            finally:
                pass
        return n * factorial(n - 1)
    """)["factorial"] == 0


def test_conditions_are_not_nested_in_their_statement() -> None:
    """Only a statement's body is one level deeper, not its condition (sonar-python)."""
    assert cognitive("""
    def f(a, b, c):
        while a:                            # +1
            if (b if c else a):             # +2 (nesting 1); ternary +2 (nesting 1, not 2)
                pass
    """)["f"] == 5


def test_conditional_expressions_nest() -> None:
    assert cognitive("""
    def f(a, b, c):
        return 1 if a else (2 if b else (3 if c else 4))   # +1, +2, +3
    """)["f"] == 6


def test_match_counts_once_and_nests_its_cases() -> None:
    assert cognitive("""
    def f(x, y):
        match x:                # +1
            case 1 if y:        # a guard adds nothing
                if y:           # +2 (nesting 1)
                    pass
            case _:
                pass
    """)["f"] == 3


# --- functions in functions ---------------------------------------------------------------------


def test_nested_functions_count_towards_their_enclosing_function() -> None:
    """One level deeper (the specification's "nested methods"); the nested function also gets
    its own figure, measured as if it stood alone."""
    found = cognitive("""
    def outer(a):
        if a:                       # +1
            def inner(b):
                if b:               # outer: +3 (nesting 2); inner: +1
                    return 1
            return inner
        return None
    """)
    assert found == {"outer": 4, "outer.inner": 1}


def test_a_decorators_wrapper_is_not_nested() -> None:
    """sonar-python: a function whose enclosing function only returns names (a decorator) is at
    its enclosing function's level."""
    found = cognitive("""
    def retry(fn):
        def wrapper(*args):
            for attempt in range(3):    # +1 (nesting 0) for both
                if fn(*args):           # +2 (nesting 1) for both
                    return True
        return wrapper

    def logged(fn):
        print("decorating")             # not a wrapper any more: one level deeper
        def wrapper(*args):
            if fn(*args):               # logged: +2; wrapper: +1
                return True
        return wrapper
    """)
    assert found == {"retry": 3, "retry.wrapper": 3, "logged": 2, "logged.wrapper": 1}


def test_a_class_starts_again_at_level_zero() -> None:
    found = cognitive("""
    def factory(flag):
        if flag:                        # +1
            class Local:
                def method(self, x):
                    if x:               # +1 for both: a class's methods start at level 0
                        return x
            return Local
    """)
    assert found == {"factory": 2, "factory.method": 1}


def test_a_lambda_nests_what_it_holds() -> None:
    found = cognitive("""
    def f(items):
        for item in items:                                  # +1
            items.sort(key=lambda i: i.a if i else i.b)     # +3 (loop 1, lambda 1)
    key = lambda item: item.size if item else 0             # measured alone: +1
    """)
    assert found == {"f": 4, "key": 1}


def test_module_level_code_belongs_to_no_function() -> None:
    assert cognitive("if x:\n    y = 1 if z else 2\n") == {}


def test_max_nesting_is_the_deepest_structure_of_the_function_itself() -> None:
    found = measured(NESTING)
    assert found["my_method"].max_nesting == 3
    assert measured(SUM_OF_PRIMES)["sum_of_primes"].max_nesting == 3
