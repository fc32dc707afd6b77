"""The Java analyzer: agreement with lizard on real code and on the sample, and its own metrics,
kinds, names, classes and imports on small snippets (docs/languages/java.md explains each)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from lizard_compare import Agreement
from lizard_oracle import lizard_cli
from samples import JAVA, MIN_FUNCTIONS

from mesh.models import ClassInfo, FileAnalysis, FunctionMetrics, ImportInfo, Member
from worker import analysis as lizard
from worker.analyzers.java import JavaAnalyzer
from worker.analyzers.registry import analyzers

CORPORA = Path(os.environ.get("CODEMESH_CORPORA", Path.home() / ".cache/codemesh-corpora"))
JAVA_CORPORA = ["junit4", "jsoup", "commons-io", "libcommons-lang3-java"]

ANALYZER = JavaAnalyzer()


def analyze(source: str | bytes) -> FileAnalysis:
    return ANALYZER.analyze(source.encode() if isinstance(source, str) else source, "X.java")


def functions(source: str) -> dict[str, FunctionMetrics]:
    return {f.name: f for f in analyze(source).functions}


def only(source: str) -> FunctionMetrics:
    (function,) = analyze(source).functions
    return function


def method(body: str, signature: str = "void f()") -> FunctionMetrics:
    """The one method of a class holding `signature { body }`."""
    return only(f"class C {{\n  {signature} {{\n{body}\n  }}\n}}\n")


# --- agreement with lizard ----------------------------------------------------------------------


def _corpus(name: str) -> Path:
    found = sorted(p for p in (CORPORA / "java").glob(f"{name}-[0-9]*")
                   if (p / ".complete").exists())
    if not found:
        pytest.skip(f"corpus {name} not fetched: bash ../shared/corpora/get.sh java")
    return found[-1]


@pytest.mark.corpus
@pytest.mark.parametrize("name", JAVA_CORPORA)
def test_corpus_ccn_agrees_with_lizard(name: str) -> None:
    """lizard through `worker.analysis` (which tests/worker/test_analysis.py holds equal to the
    CLI): one process for the whole corpus instead of two CLI runs per file."""
    root = _corpus(name)
    agreement = Agreement()
    lizard_nloc = our_nloc = 0
    for path in sorted(root.rglob("*.java")):
        data = path.read_bytes()
        theirs = lizard.analyze(data, "java", path.name)
        ours = ANALYZER.analyze(data, path.name)
        agreement.add(str(path.relative_to(root)), ours.functions, theirs.functions)
        lizard_nloc += theirs.nloc
        our_nloc += ours.nloc
    assert agreement.lizard > 1000  # the corpus was really read
    assert agreement.ratio >= 0.98, agreement.mismatches[:20]
    # file NLOC: equal but for lizard's line splicing after a `//` comment ending in `\`
    assert abs(our_nloc - lizard_nloc) <= lizard_nloc // 10_000, (our_nloc, lizard_nloc)


def test_sample_agrees_with_lizard_cli(tmp_path: Path) -> None:
    path = tmp_path / "Orders.java"
    path.write_text(JAVA)
    cli = lizard_cli(path)
    ours = ANALYZER.analyze(JAVA.encode(), "Orders.java")
    agreement = Agreement()
    agreement.add("Orders.java", ours.functions, cli.functions)
    assert agreement.lizard >= MIN_FUNCTIONS["Orders.java"]
    assert agreement.ratio == 1.0, agreement.mismatches
    assert [(f.start_line, f.name) for f in ours.functions] == \
        sorted((f.start_line, f.name) for f in cli.functions)
    assert [f.params for f in ours.functions] == \
        [f.params for f in sorted(cli.functions, key=lambda f: f.start_line)]
    assert ours.nloc == cli.nloc


def test_lizard_quirks_named_in_the_docs_still_hold(tmp_path: Path) -> None:
    """docs/languages/java.md explains these differences from lizard; if lizard changes, the
    page must change too."""
    source = """class T {
    @Test
    @MethodSource("cases")
    public void named(int a) {
        List<? extends List<T>> xs = null;
        if (a > 0) { }
    }
}
"""
    path = tmp_path / "T.java"
    path.write_text(source)
    (theirs,) = lizard_cli(path).functions
    assert (theirs.name, theirs.start_line, theirs.ccn) == ("T::MethodSource", 3, 3)
    ours = only(source)
    assert (ours.name, ours.start_line, ours.ccn) == ("T::named", 4, 2)


def test_functions_lizard_loses_or_misnames_are_reported_by_their_own_name() -> None:
    """Our side of differences 2, 6, 7 and 9 in docs/languages/java.md."""
    result = analyze("""class Outer {
    static class Inner { void b() { } }
    void c() {
        @SuppressWarnings("unchecked")
        final List<String> xs = (List<String>) raw;
        boolean less = new Builder().build() < 0;
    }
    static final String A = get("a") == null ?
            get("b") : get("c");
    @Inject Outer() { if (a) { } }
    enum E { A(1) { void f() { if (x) { } } }; E(int i) { } }
    void after() { if (x) { } }
}
""")
    assert [(f.start_line, f.name, f.ccn) for f in result.functions] == [
        (2, "Inner::b", 1), (3, "Outer::c", 1), (10, "Outer::Outer", 2), (11, "E::f", 2),
        (11, "E::E", 1), (12, "Outer::after", 2)]


def test_registry_loads_the_java_analyzer() -> None:
    assert isinstance(analyzers()["java"], JavaAnalyzer)


# --- cyclomatic complexity: lizard's tokens -----------------------------------------------------


def test_ccn_counts_if_for_while_catch_case_ternary_and_boolean_operators() -> None:
    fn = method("""
    if (x > 0 && x < 9 || x == 20) { } else if (x < 0) { } else { }
    for (int i = 0; i < x; i++) { }
    for (String s : names) { }
    while (x > 0) { x--; }
    do { x++; } while (x < 3);
    switch (x) { case 1: case 2: break; default: break; }
    try { run(); } catch (IllegalStateException | IllegalArgumentException e) { } finally { }
    int y = x > 0 ? 1 : 2;
""", "void f(int x)")
    # if && || else-if for for while while(do) case case catch ?
    assert fn.ccn == 1 + 12


def test_ccn_ignores_keywords_in_strings_and_comments() -> None:
    fn = method("""
    // if (a && b) while (c)
    /* for (;;) case 1: x ? y : z */
    String s = "if && || ? case";
    char c = '?';
""")
    assert fn.ccn == 1


def test_ccn_counts_switch_rules_like_cases() -> None:
    fn = method("""
    int y = switch (x) { case 1, 2 -> 10; case 3 -> { yield 30; } default -> 0; };
""", "int f(int x)")
    assert fn.ccn == 1 + 2


def test_wildcard_question_mark_is_no_decision() -> None:
    """lizard counts the `?` of `<? extends List<T>>` in a method body (a tokenizer quirk);
    a wildcard is no branch, so it is not counted here."""
    fn = method("""
    List<? extends List<T>> xs = null;
    Map<String, ?> ys = null;
    Object z = xs == null ? ys : xs;
""")
    assert fn.ccn == 2


def test_lambda_decisions_count_towards_the_enclosing_method() -> None:
    fn = method("""
    items.removeIf(x -> x == null || x.isEmpty());
    Runnable r = () -> { if (ready) go(); };
""")
    assert fn.ccn == 1 + 2
    assert fn.kind == "method"


def test_anonymous_class_methods_are_functions_of_their_own() -> None:
    found = functions("""class C {
    Runnable make(boolean flag) {
        if (flag) return null;
        return new Runnable() {
            @Override
            public void run() {
                if (a && b) go();
            }
        };
    }
}
""")
    assert set(found) == {"C::make", "(anonymous)::run"}
    assert found["C::make"].ccn == 2
    assert found["(anonymous)::run"].ccn == 3
    assert found["(anonymous)::run"].qualified_name == "C.make.(anonymous).run"
    assert found["(anonymous)::run"].start_line == 6


def test_initializers_are_not_functions_and_keep_their_decisions() -> None:
    result = analyze("""class C {
    static { if (a) b(); }
    { if (c) d(); }
    int f() { return 1; }
}
""")
    (fn,) = result.functions
    assert (fn.name, fn.ccn) == ("C::f", 1)


def test_abstract_and_interface_methods_without_body_are_not_functions() -> None:
    found = functions("""interface Shape {
    double area();
    default String describe() { return area() > 1 ? "big" : "small"; }
    static Shape unit() { return () -> 1.0; }
}
abstract class Base { abstract void run(); void stop() { } }
""")
    assert set(found) == {"Shape::describe", "Shape::unit", "Base::stop"}
    assert found["Shape::describe"].ccn == 2
    assert found["Shape::describe"].kind == "method"


# --- names, kinds, lines, parameters -------------------------------------------------------------


def test_names_kinds_and_qualified_names() -> None:
    result = analyze("""package p;
public class Outer<T extends Comparable<T>> {
    public Outer() { this(1); }
    Outer(int size) { }
    static final Comparator<String> BY_LENGTH = (a, b) -> a.length() - b.length();
    static class Inner {
        void work() {
            class Local { int twice(int x) { return 2 * x; } }
        }
    }
    enum Level {
        LOW { int weight() { return 1; } },
        HIGH;
        int weight() { return 2; }
    }
    record Point(int x, int y) {
        Point { if (x < 0) throw new IllegalArgumentException(); }
    }
}
""")
    assert [(f.start_line, f.name, f.qualified_name, f.kind, f.params, f.ccn)
            for f in result.functions] == [
        (3, "Outer::Outer", "Outer.Outer", "constructor", 0, 1),
        (4, "Outer::Outer", "Outer.Outer", "constructor", 1, 1),
        (5, "Outer::BY_LENGTH", "Outer.BY_LENGTH", "lambda", 2, 1),
        (7, "Inner::work", "Outer.Inner.work", "method", 0, 1),
        (8, "Local::twice", "Outer.Inner.work.Local.twice", "method", 1, 1),
        (12, "Level::weight", "Outer.Level.LOW.weight", "method", 0, 1),
        (14, "Level::weight", "Outer.Level.weight", "method", 0, 1),
        (17, "Point::Point", "Outer.Point.Point", "constructor", 0, 2),
    ]


def test_a_method_starts_at_its_name_and_counts_lines_from_there() -> None:
    fn = only("""class C {
    @Override
    @SuppressWarnings("unchecked")
    public
    String toString() {
        return "c";
    }
}
""")
    assert (fn.start_line, fn.end_line, fn.nloc) == (5, 7, 3)


def test_parameters() -> None:
    found = functions("""class C {
    void none() { }
    void two(final int a, Map<String, List<Integer>> b) { }
    void varargs(String first, String... rest) { }
    static final Function<Integer, Integer> INC = x -> x + 1;
    static final IntBinaryOperator ADD = (int a, int b) -> a + b;
}
""")
    assert {name: f.params for name, f in found.items()} == {
        "C::none": 0, "C::two": 2, "C::varargs": 2, "C::INC": 1, "C::ADD": 2}
    assert found["C::varargs"].long_name == "C::varargs(String first, String... rest)"


# --- cognitive complexity: SonarSource's specification ---------------------------------------


def test_cognitive_sum_of_primes() -> None:
    fn = method("""
    int total = 0;
    OUT: for (int i = 1; i <= max; ++i) {     // +1
        for (int j = 2; j < i; ++j) {         // +2
            if (i % j == 0) {                 // +3
                continue OUT;                 // +1
            }
        }
        total += i;
    }
    return total;
""", "int sumOfPrimes(int max)")
    assert fn.cognitive == 7
    assert fn.max_nesting == 3


def test_cognitive_get_words_switch() -> None:
    fn = method("""
    switch (number) {                 // +1
        case 1: return "one";
        case 2: return "a couple";
        case 3: return "a few";
        default: return "lots";
    }
""", "String getWords(int number)")
    assert (fn.cognitive, fn.ccn) == (1, 4)


def test_cognitive_nesting_try_catch() -> None:
    fn = method("""
    try {
        if (condition1) {                              // +1
            for (int i = 0; i < 10; i++) {             // +2 (nesting=1)
                while (condition2) { }                 // +3 (nesting=2)
            }
        }
    } catch (ExcepType1 | ExcepType2 e) {              // +1
        if (condition2) { }                            // +2 (nesting=1)
    }
""", "void myMethod()")
    assert fn.cognitive == 9


def test_cognitive_lambda_nests() -> None:
    fn = method("""
    Runnable r = () -> {         // +0 (but nesting level is now 1)
        if (condition1) { }      // +2 (nesting=1)
    };
""", "void myMethod2()")
    assert (fn.cognitive, fn.max_nesting) == (2, 2)


def test_cognitive_overridden_symbol_from() -> None:
    fn = method("""
    if (classType.isUnknown()) {                                  // +1
        return Symbols.unknownSymbol.name;
    }
    boolean unknownFound = false;
    List<Symbols> symbols = classType.getSymbol().members().lookup(name);
    for (Symbol overrideSymbol : symbols) {                       // +1
        if (overrideSymbol.isKind(JavaSymbol.MTH)                 // +2 (nesting = 1)
                && !overrideSymbol.isStatic()) {                  // +1
            MethodSymbol methodJavaSymbol = (MethodSymbol) overrideSymbol;
            if (canOverride(methodJavaSymbol)) {                  // +3 (nesting = 2)
                Boolean overriding = checkOverridingParameters(methodJavaSymbol, classType);
                if (overriding == null) {                         // +4 (nesting = 3)
                    if (!unknownFound) {                          // +5 (nesting = 4)
                        unknownFound = true;
                    }
                } else if (overriding) {                          // +1
                    return methodJavaSymbol.name();
                }
            }
        }
    }
    if (unknownFound) {                                           // +1
        return Symbols.unknownSymbol.name;
    }
    return null;
""", "private static String overriddenSymbolFrom(ClassType classType)")
    assert fn.cognitive == 19


def test_cognitive_to_regexp() -> None:
    fn = method(r"""
    final String escapedDirectorySeparator = '\\' + directorySeparator;
    final StringBuilder sb = new StringBuilder(antPattern.length());
    sb.append('^');
    int i = antPattern.startsWith("/") || antPattern.startsWith("\\") ? 1 : 0;  // +1 +1
    while (i < antPattern.length()) {                                           // +1
        final char ch = antPattern.charAt(i);
        if (SPECIAL_CHARS.indexOf(ch) != -1) {                                  // +2
            sb.append('\\').append(ch);
        } else if (ch == '*') {                                                 // +1
            if (i + 1 < antPattern.length() && antPattern.charAt(i + 1) == '*') {  // +3 +1
                if (i + 2 < antPattern.length() && isSlash(antPattern.charAt(i + 2))) {  // +4 +1
                    sb.append("(?:.*").append(escapedDirectorySeparator).append("|)");
                    i += 2;
                } else {                                                        // +1
                    sb.append(".*");
                    i += 1;
                }
            } else {                                                            // +1
                sb.append("[^").append(escapedDirectorySeparator).append("]*?");
            }
        } else if (ch == '?') {                                                 // +1
            sb.append("[^").append(escapedDirectorySeparator).append("]");
        } else if (isSlash(ch)) {                                               // +1
            sb.append(escapedDirectorySeparator);
        } else {                                                                // +1
            sb.append(ch);
        }
        i++;
    }
    sb.append('$');
    return sb.toString();
""", "private static String toRegexp(String antPattern, String directorySeparator)")
    assert fn.cognitive == 20


def test_cognitive_boolean_operator_sequences() -> None:
    assert method("return a && b && c || d;", "boolean f()").cognitive == 2
    assert method("return a && b && c;", "boolean f()").cognitive == 1
    assert method("return a && (b || c) && d;", "boolean f()").cognitive == 2  # 2 runs
    assert method("return a && !(b && c);", "boolean f()").cognitive == 2
    assert method("return a == b;", "boolean f()").cognitive == 0


def test_cognitive_if_else_if_else_chains() -> None:
    fn = method("""
    if (a) {                  // +1
        if (b) { }            // +2
        else if (c) { }       // +1
        else { }              // +1
    } else if (d) {           // +1
        while (e) { }         // +2
    } else if (f) g();        // +1
    else h();                 // +1
""")
    assert fn.cognitive == 10
    assert fn.max_nesting == 2


def test_cognitive_labelled_break_and_continue_only() -> None:
    fn = method("""
    outer:
    for (int i = 0; i < n; i++) {         // +1
        for (int j = 0; j < n; j++) {     // +2
            if (j == i) continue;         // +3
            if (j > i) break outer;       // +3, +1
        }
        if (i > 9) break;                 // +2
    }
""", "void f(int n)")
    assert fn.cognitive == 12


def test_cognitive_anonymous_class_method_starts_at_nesting_zero() -> None:
    found = functions("""class C {
    Runnable make() {
        if (a) {
            return new Runnable() {
                public void run() { if (b) go(); }
            };
        }
        return null;
    }
}
""")
    assert found["C::make"].cognitive == 1
    assert found["(anonymous)::run"].cognitive == 1


# --- classes -------------------------------------------------------------------------------------


def _classes(source: str) -> dict[str, ClassInfo]:
    return {c.name: c for c in analyze(source).classes}


def test_class_kinds_and_bases_as_written() -> None:
    found = _classes("""
public class Repo<T extends Entity> extends AbstractRepo<T, Long>
        implements Iterable<T>, Closeable {
}
interface Store extends Iterable<String>, AutoCloseable { }
enum Color implements Supplier<String> { RED, GREEN; public String get() { return name(); } }
record Pair<A, B>(A first, B second) implements Serializable { }
@interface Marker { String value() default ""; }
""")
    assert {n: (c.kind, c.bases) for n, c in found.items()} == {
        "Repo": ("class", ["AbstractRepo<T, Long>", "Iterable<T>", "Closeable"]),
        "Store": ("interface", ["Iterable<String>", "AutoCloseable"]),
        "Color": ("enum", ["Supplier<String>"]),
        "Pair": ("class", ["Serializable"]),
        "Marker": ("interface", []),
    }
    assert (found["Repo"].start_line, found["Repo"].end_line) == (2, 4)


def test_class_members_visibility_static_constructors_and_fields() -> None:
    source = """public class Account {
    public static final int LIMIT = 10, FLOOR = 0;
    private long balance;
    protected String owner;
    int version;

    public Account(String owner) { this.owner = owner; }
    private Account() { }
    public static Account empty() { return new Account(); }
    protected void touch() { }
    void bump() { version++; }
    abstract static class Nested { }
}
"""
    account = _classes(source)["Account"]
    assert account.methods == [
        Member(name="Account", line=7, visibility="public", constructor=True),
        Member(name="Account", line=8, visibility="private", constructor=True),
        Member(name="empty", line=9, visibility="public", static=True),
        Member(name="touch", line=10, visibility="protected"),
        Member(name="bump", line=11, visibility="package"),
    ]
    assert account.fields == [
        Member(name="LIMIT", line=2, visibility="public", static=True),
        Member(name="FLOOR", line=2, visibility="public", static=True),
        Member(name="balance", line=3, visibility="private"),
        Member(name="owner", line=4, visibility="protected"),
        Member(name="version", line=5, visibility="package"),
    ]
    assert [c.name for c in analyze(source).classes] == ["Account", "Nested"]


def test_interface_enum_and_record_members() -> None:
    found = _classes("""interface Api {
    int VERSION = 2;
    void call();
    default void ping() { }
    static Api none() { return null; }
    private void helper() { }
}
enum Level {
    LOW(1), HIGH(9);
    private final int weight;
    Level(int weight) { this.weight = weight; }
    public int weight() { return weight; }
}
record Point(int x, int y) {
    static Point origin() { return new Point(0, 0); }
}
""")
    assert found["Api"].fields == [Member(name="VERSION", line=2, visibility="public", static=True)]
    assert [(m.name, m.visibility, m.static) for m in found["Api"].methods] == [
        ("call", "public", False), ("ping", "public", False), ("none", "public", True),
        ("helper", "private", False)]
    assert [(m.name, m.visibility, m.static) for m in found["Level"].fields] == [
        ("LOW", "public", True), ("HIGH", "public", True), ("weight", "private", False)]
    assert [(m.name, m.visibility, m.constructor) for m in found["Level"].methods] == [
        ("Level", "private", True), ("weight", "public", False)]
    assert [(m.name, m.visibility) for m in found["Point"].fields] == [
        ("x", "private"), ("y", "private")]
    assert [(m.name, m.static) for m in found["Point"].methods] == [("origin", True)]


# --- imports -------------------------------------------------------------------------------------


def test_imports_of_each_kind() -> None:
    result = analyze("""package org.example;

import java.util.List;
import java.util.*;
import static java.util.Map.entry;
import static org.junit.Assert.*;
import java.util.Map.Entry;

class Plugins {
    Object load(String name) throws Exception {
        Class<?> fixed = Class.forName("org.example.Fixed");
        Class<?> other = getClass().getClassLoader().loadClass("org.example.Other");
        Class<?> chosen = Class.forName(name);  // not a literal: no module to name
        return fixed;
    }
}
""")
    assert result.imports == [
        ImportInfo(module="java.util.List", kind="static", line=3),
        ImportInfo(module="java.util", names=["*"], kind="static", line=4),
        ImportInfo(module="java.util.Map", names=["entry"], kind="static", line=5),
        ImportInfo(module="org.junit.Assert", names=["*"], kind="static", line=6),
        ImportInfo(module="java.util.Map.Entry", kind="static", line=7),
        ImportInfo(module="org.example.Fixed", kind="dynamic", line=11),
        ImportInfo(module="org.example.Other", kind="dynamic", line=12),
    ]


# --- bad input -----------------------------------------------------------------------------------


def test_syntax_errors_mark_the_file_partial_and_are_still_measured() -> None:
    result = analyze("""class A {
    void f() {
        if (x { y(); }
    }
    void g() { while (z) { } }
}
""")
    assert result.partial
    assert result.parse_errors == [3]
    assert [(f.name, f.ccn) for f in result.functions] == [("A::f", 2), ("A::g", 2)]


def test_empty_and_blank_files() -> None:
    for source in ("", "\n\n   \n"):
        result = analyze(source)
        assert (result.nloc, result.functions, result.partial) == (0, [], False)
    comment_only = analyze("// nothing here\n")
    assert (comment_only.nloc, comment_only.comments) == (0, 1)


def test_non_utf8_bytes_are_measured() -> None:
    result = analyze(b'class A {\n  String s = "caf\xe9";\n  void f\xe9() { if (a) b(); }\n}\n')
    (fn,) = result.functions
    assert fn.ccn == 2
    assert fn.name.startswith("A::f")
    assert result.error is None


def test_deeply_nested_anonymous_classes_are_named_in_linear_time() -> None:
    depth = 400
    source = ("class D { Object f() { return "
              + "new Object() { Object g() { return " * depth + "null"
              + "; } }" * depth + "; } }")
    started = time.process_time()
    result = analyze(source)
    assert time.process_time() - started < 10  # walking up from each function took ~17 s
    assert len(result.functions) == depth + 1
    deepest = max(result.functions, key=lambda f: len(f.qualified_name))
    assert deepest.name == "(anonymous)::g"
    assert deepest.qualified_name == "D.f" + ".(anonymous).g" * depth


def test_halstead_counts_operators_and_operands() -> None:
    """Identifiers, literals and primitive type names are operands; keywords and operator
    tokens are operators; brackets and separators are neither."""
    fn = method("return a + b * a;", "int f(int a, int b)")
    assert (fn.halstead.n1, fn.halstead.N1) == (3, 3)  # return + *
    assert (fn.halstead.n2, fn.halstead.N2) == (4, 9)  # int f int a int b | a b a
