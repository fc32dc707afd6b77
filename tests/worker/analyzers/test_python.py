"""The Python analyzer against its reference tools: radon for Halstead and the maintainability
index (per file and per function), lizard for ccn; and the semantics docs/metrics.md and
docs/languages/python.md describe, pinned on small snippets."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from lizard_compare import Agreement as LizardAgreement
from radon_oracle import Agreement, ours, radon_report
from samples import PYTHON

from mesh.models import FileAnalysis, FunctionMetrics
from worker import analysis as lizard
from worker.analyzers.python import PythonAnalyzer
from worker.analyzers.registry import analyzers

CORPORA = Path(os.environ.get("CODEMESH_CORPORA", Path.home() / ".cache/codemesh-corpora"))
PYTHON_CORPORA = ["requests", "flask", "attrs", "python-django"]

ANALYZER = PythonAnalyzer()


def analyze(source: str) -> FileAnalysis:
    return ANALYZER.analyze(source.encode(), "x.py")


def functions(source: str) -> dict[str, FunctionMetrics]:
    return {f.qualified_name: f for f in analyze(source).functions}


def test_registered_for_python() -> None:
    assert isinstance(analyzers()["python"], PythonAnalyzer)


# --- radon: Halstead and MI, file by file and function by function ----------------------------

# Each snippet exercises one rule of radon's visitors (radon/visitors.py, radon/raw.py); the
# test compares every Halstead field and the MI with radon's own functions on the same text.
RADON_CASES = {
    "sample": PYTHON,
    "bool-chains": """
        def f(a, b, c, d):
            x = a and b and c
            y = a and b or c and d
            z = a and (b and c)
            return not x or -y
        """,
    "comparisons": """
        def f(a, b, c):
            if a < b <= c != 3 and a is not None:
                return a not in b or a in c
            return a is b
        """,
    "augmented": """
        def f(a, b):
            a += 1
            b -= a
            a //= 2
            a @= b
            a **= 2
            return a % b << 1 >> 2 & 3 | 4 ^ 5
        """,
    "constants-by-value": """
        def f(x):
            return (x + 1) + (x + 1.0) + (x + True) + (x == 'x') + (x + b'x') + (x + ...)
        """,
    "names-attributes-calls": """
        def f(self, x):
            return self.x + x.x + x() + x() + x[0] + x[0] + (x) + f'{x}' + -x
        """,
    "contexts": """
        x = 1 + y

        def f(y):
            return 1 + y

        def g(y):
            return 1 + y

        class A:
            def f(self, y):
                return 1 + y
        """,
    "nested-functions": """
        def outer(a=1 + 2, *, b: int | None = None) -> int | None:
            def inner(c=3 * 4):
                return c - a
            lam = lambda q=5 ** 2: q // a
            return inner() + lam()
        """,
    "closures": """
        def outer(a, b):
            if a:
                pass
            def inner(c):
                if b and c or a:
                    return [x for x in c if x]
            class Local:
                def m(self):
                    while a:
                        pass
            return inner
        """,
    "decorators": """
        @deco(1 + 2)
        def f():
            return 1 - 2

        @deco(3 + 4)
        class A(B or C):
            @prop(5 * 6)
            def m(self):
                return self.x * 2
            class Inner:
                def n(self):
                    return ~self.y
        """,
    "annotations": """
        from __future__ import annotations
        x: int | None = None
        y: list[int] | dict[str, int | None] = {}
        class A:
            z: A | None = None
            def f(self):
                w: tuple[int, int] | None = None
                return w
        """,
    "f-strings": """
        def f(a, b, w):
            return f'{a + b:>{w * 2}} {a if b else -a} {a and b}'
        """,
    "control-flow": """
        def f(xs, ys):
            for x in xs:
                if x:
                    continue
            else:
                pass
            while ys:
                ys.pop()
            else:
                return 1
            try:
                pass
            except (A, B):
                pass
            except C:
                pass
            else:
                pass
            finally:
                pass
            assert xs and ys, 'both'
            return [x for x in xs if x if x > 1 for y in ys]
        """,
    "methods-count-in-mi": """
        class A:
            def a(self):
                pass
            def b(self):
                pass
            class B:
                def c(self):
                    if x:
                        pass

        def f():
            class C:
                def d(self):
                    if y or z:
                        pass
        """,
    "match": """
        def f(x):
            match x:
                case 1 | 2:
                    return -1
                case [a, b] if a > b:
                    return a - b
                case {'k': v}:
                    return v
                case Point(x=0):
                    return 0
                case other:
                    return other
        """,
    "raw-lines": '''
        """Module docstring

        spanning lines.
        """
        import os  # comment

        # a comment line
        'single-line string statement'
        x = {'a': 1,
             # comment inside brackets
             'b': [1, 2][1:]}
        y = 1; z = 2; w = lambda: 3
        if x: y = 2
        else:  # comment
            pass
        total = 1 + \\
            2
        message = 'a' \\
            'b'
        def g(k):
            assert k in [1], \\
                'bad %s' % k  # tree-sitter has no node for these backslashes
            return '<%s>' % \\
                ''.join(k)
        def f():
            \'\'\'Docstring.

            More.\'\'\'
            return \'\'\'not
            a docstring\'\'\'
        s = \'\'\'one\'\'\' + \'\'\'two\'\'\'


        ''',
    "python-2-print-chevron": """
        def f(x):
            print >> sys.stderr, "message"  # Python 3 reads it as `(print >> sys.stderr, ...)`
            print -x
        """,
    "backslash-into-blank-line": """
        a = \\
        "x"\\

        # radon's tokenizer takes this line into the statement above
        b = 1
        """,
    "semicolons-and-colons": """
        for i in x: a; b
        if y: c = {1: 2}; d = e[1:]
        class K: pass
        def g(a: int) -> int: return a
        """,
}


@pytest.mark.parametrize("name", list(RADON_CASES))
def test_halstead_and_mi_equal_radon(name: str) -> None:
    source = textwrap.dedent(RADON_CASES[name])
    result = analyze(source)
    radon = radon_report(source.encode())
    # equal floats, not merely close: the same counts through radon's arithmetic
    assert ours(result.halstead) == radon.halstead
    assert result.mi == radon.mi, (result.mi, radon.mi, radon.mi_parameters)
    # and each input of the MI (which is 100, whatever they are, for a file without operators)
    assert ANALYZER._mi_inputs == radon.mi_parameters[1:]
    reported = [f for f in result.functions if f.kind in ("function", "method", "constructor")]
    assert [f.name for f in reported] == [n for n, _ in radon.functions]
    for fn, (_, theirs) in zip(reported, radon.functions, strict=True):
        assert ours(fn.halstead) == theirs, fn.qualified_name


def test_radon_oracle_is_what_the_cli_prints(tmp_path: Path) -> None:
    """`radon hal -f -j` and `radon mi -s -j` print what `radon_report` computes."""
    source = textwrap.dedent(RADON_CASES["nested-functions"]) + \
        textwrap.dedent(RADON_CASES["decorators"])
    path = tmp_path / "sample.py"
    path.write_text(source)

    def cli(*args: str) -> dict[str, object]:
        proc = subprocess.run([sys.executable, "-m", "radon", *args, str(path)],
                              capture_output=True, text=True, check=True)
        return json.loads(proc.stdout)[str(path)]  # type: ignore[no-any-return]

    report = radon_report(path.read_bytes())
    hal = cli("hal", "-f", "-j")
    assert hal["total"]["volume"] == report.halstead["volume"]  # type: ignore[index]
    assert list(hal["functions"]) == [n for n, _ in report.functions]  # type: ignore[call-overload]
    assert cli("mi", "-s", "-j")["mi"] == report.mi  # type: ignore[index]


def test_boolean_chain_is_one_operator() -> None:
    """ast folds `a and b and c` into one BoolOp with three values; tree-sitter nests two."""
    h = functions("def f(a, b, c):\n    return a and b and c\n")["f"].halstead
    assert (h.n1, h.N1, h.n2, h.N2) == (1, 1, 3, 3)
    h = functions("def f(a, b, c):\n    return a and b or c\n")["f"].halstead
    assert (h.n1, h.N1, h.n2, h.N2) == (2, 2, 4, 4)  # And(a, b), Or(<that BoolOp>, c)


def test_operands_are_known_by_value_and_context() -> None:
    h = functions("def f(x):\n    return (x + 1) + (x + 1.0) + (x + True)\n")["f"].halstead
    # x, 1 (= 1.0 = True), the three parenthesised BinOps and the first sum: 6, not 10
    assert (h.N1, h.n2, h.N2) == (5, 6, 10)
    h = functions("def f(x):\n    return x() + x()\n")["f"].halstead
    assert h.n2 == 2  # a call is a new operand every time
    module = analyze("a = x + 1\ndef f():\n    return x + 1\n").halstead
    assert module.n2 == 4  # (None, x), (None, 1), ('f', x), ('f', 1)


def test_function_heads_and_decorators_are_not_visited() -> None:
    found = functions("@d(1 + 2)\ndef f(a=3 + 4, b: int | None = None) -> int | str:\n"
                      "    return a\n")
    assert found["f"].halstead.N1 == 0
    assert analyze("@d(1 + 2)\nclass A(B | C):\n    pass\n").halstead.N1 == 2  # class: visited


def test_nested_functions_get_radons_rule_applied_to_them() -> None:
    """radon reports top-level functions and methods only, each counting its nested functions'
    bodies (their operands in their own context); a nested function gets the same rule."""
    found = functions("def outer(x):\n    def inner(y):\n        return y + x\n"
                      "    return x + 1\n")
    assert found["outer"].kind == "function"
    assert found["outer.inner"].kind == "closure"
    assert (found["outer"].halstead.N1, found["outer"].halstead.n2) == (2, 4)
    assert (found["outer.inner"].halstead.N1, found["outer.inner"].halstead.n2) == (1, 2)


def test_lambda_assigned_at_module_level_measures_its_body() -> None:
    found = functions("key = lambda item, n=1 + 1: item.size * 2\n")
    assert found["key"].kind == "lambda"
    h = found["key"].halstead
    assert (h.n1, h.N1, h.n2, h.N2) == (1, 1, 2, 2)


def test_mi_uses_radons_complexity_not_lizards() -> None:
    """radon counts comprehensions, `else` of loops and try, asserts and one per method; lizard
    counts `finally` but neither of those. Same volume and lines, different MI inputs."""
    source = textwrap.dedent(RADON_CASES["control-flow"])
    radon = radon_report(source.encode())
    assert ANALYZER.analyze(source.encode()).mi == radon.mi
    assert radon.mi_parameters[1] != analyze(source).functions[0].ccn


def test_every_known_lloc_quirk_of_radon() -> None:
    """radon counts a logical line twice when a `:` in it is followed by more code: a dict, a
    slice, a lambda or an annotation count like `if x: y`."""
    for line, lloc in [("x = {1: 2}\n", 2), ("x = y[1:]\n", 2), ("f = lambda: 0\n", 2),
                       ("x: int = 1\n", 2), ("if x:\n    pass\n", 2), ("x = 1; y = 2\n", 2),
                       ("'''doc\nstring'''\n", 1), ("x = (1 +\n     2)\n", 1)]:
        ANALYZER.analyze(line.encode())
        assert ANALYZER._mi_inputs[1] == lloc == radon_report(line.encode()).mi_parameters[2], \
            line


def _corpus(name: str) -> Path:
    found = sorted(p for p in (CORPORA / "python").glob(f"{name}-[0-9]*")
                   if (p / ".complete").exists())
    if not found:
        pytest.skip(f"corpus {name} not fetched: bash ../shared/corpora/get.sh python")
    return found[-1]


@pytest.mark.corpus
@pytest.mark.parametrize("name", PYTHON_CORPORA)
def test_corpus_halstead_and_mi_agree_with_radon(name: str) -> None:
    """Every file's Halstead and MI and every function radon reports, within 1% of radon (they
    are equal: docs/metrics.md lists the differences that would show elsewhere). Django: every
    tenth file, as radon takes minutes over all of it (docs/metrics.md has the full run)."""
    root = _corpus(name)
    agreement = Agreement(tolerance=0.01)
    step = 10 if name == "python-django" else 1
    for path in sorted(root.rglob("*.py"))[::step]:
        data = path.read_bytes()
        try:
            radon = radon_report(data)
        except SyntaxError:
            continue  # radon cannot read it (Python 2); nothing to compare with
        agreement.add(str(path.relative_to(root)), ANALYZER.analyze(data, path.name), radon)
    assert agreement.files > 30 and agreement.functions > 300  # the corpus was really read
    assert agreement.mismatches == [], agreement.mismatches[:20]
    assert agreement.files_halstead == agreement.files_mi == agreement.files
    assert agreement.functions_halstead == agreement.functions_matched == agreement.functions
    # and in fact equal to the last bit
    assert agreement.files_exact == agreement.files
    assert agreement.functions_exact == agreement.functions


# --- lizard: ccn and NLOC -----------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize("name", PYTHON_CORPORA)
def test_corpus_ccn_agrees_with_lizard(name: str) -> None:
    """lizard through `worker.analysis` (tests/worker/test_analysis.py holds it equal to the
    CLI). Every function's ccn agrees; NLOC differs only where lizard misreads a triple-quoted
    string (docs/languages/python.md)."""
    root = _corpus(name)
    agreement = LizardAgreement()
    nloc_equal = functions_seen = 0
    for path in sorted(root.rglob("*.py")):
        data = path.read_bytes()
        theirs = lizard.analyze(data, "python", path.name)
        mine = ANALYZER.analyze(data, path.name)
        agreement.add(str(path.relative_to(root)), mine.functions, theirs.functions)
        if mine.nloc != theirs.nloc:
            assert TRIPLE_QUOTE.search(data), (path, mine.nloc, theirs.nloc)
        by_line = {f.start_line: f.nloc for f in mine.functions}
        functions_seen += len(theirs.functions)
        nloc_equal += sum(by_line.get(f.start_line) == f.nloc for f in theirs.functions)
    assert agreement.lizard > 300
    assert agreement.ratio == 1.0, agreement.mismatches[:20]
    assert nloc_equal >= 0.998 * functions_seen, (nloc_equal, functions_seen)


TRIPLE_QUOTE = re.compile(rb"\"{3}|'{3}")


def test_lizard_misreads_triple_quoted_strings() -> None:
    """The two classes of NLOC difference on the corpora (docs/languages/python.md)."""
    prefixed = b'x = r"""a"""\ny = 1\n'  # lizard loses a line after a prefixed one
    assert lizard.analyze(prefixed, "python", "x.py").nloc == 1
    assert ANALYZER.analyze(prefixed, "x.py").nloc == 2
    # after a string, `:` or `else`, a triple-quoted string is a comment for lizard (for us
    # too, on lines of its own), and lizard drops its lines even where they also hold code
    glued = b"x = ('''a'''\n     '''b''')\ny = {'k':\n     '''c'''}\nz = 1\n"
    assert lizard.analyze(glued, "python", "x.py").nloc == 3
    assert ANALYZER.analyze(glued, "x.py").nloc == 5


def test_a_nested_def_line_counts_for_the_enclosing_function_too() -> None:
    """As lizard counts it: the `def inner` line is a line of `outer` and of `inner`."""
    source = b"def outer():\n    x = 1\n    def inner(a,\n              b):\n        return a\n" \
        b"    return inner\n"
    ours = {f.name: f.nloc for f in ANALYZER.analyze(source, "x.py").functions}
    theirs = {f.name.split(".")[-1]: f.nloc
              for f in lizard.analyze(source, "python", "x.py").functions}
    assert ours == theirs == {"outer": 4, "inner": 3}


def test_decisions_in_f_strings_count_as_lizard_counts_them() -> None:
    found = functions("def f(x, y):\n    return f'{x if y else 1} {x and y} {[i for i in x]}'\n")
    theirs = lizard.analyze(b"def f(x, y):\n    return f'{x if y else 1} {x and y} "
                            b"{[i for i in x]}'\n", "python", "x.py").functions
    assert found["f"].ccn == theirs[0].ccn == 4
    assert found["f"].cognitive == 2  # the ternary and the run of `and`
