"""The C++ analyzer: agreement with lizard on real code and on the samples, and what C++ adds to
the C analyzer (names, kinds, lambdas, exceptions, classes) on small snippets
(docs/languages/cpp.md explains each)."""

from __future__ import annotations

from pathlib import Path

import pytest
from clike_corpora import compare, corpus
from lizard_compare import Agreement
from lizard_oracle import lizard_cli
from samples import CPP, MIN_FUNCTIONS

from mesh.models import FileAnalysis, FunctionMetrics
from worker import analysis as lizard
from worker.analyzers.c import CAnalyzer
from worker.analyzers.cpp import CppAnalyzer
from worker.analyzers.registry import analyzers

ANALYZER = CppAnalyzer()


def analyze(source: str | bytes) -> FileAnalysis:
    return ANALYZER.analyze(source.encode() if isinstance(source, str) else source, "x.cpp")


def functions(source: str) -> dict[str, FunctionMetrics]:
    return {f.name: f for f in analyze(source).functions}


def assert_agrees_with_lizard(source: str) -> FileAnalysis:
    """Same functions, same names, lines, ccn, NLOC and parameters as lizard."""
    ours = analyze(source)
    theirs = lizard.analyze(source.encode(), "cpp", "x.cpp")
    assert [(f.start_line, f.name, f.ccn, f.nloc, f.params) for f in ours.functions
            if f.kind != "lambda"] == \
        [(f.start_line, f.name, f.ccn, f.nloc, f.params) for f in theirs.functions]
    assert ours.nloc == theirs.nloc
    return ours


# --- agreement with lizard ----------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["leveldb", "fmtlib", "googletest", "nlohmann-json3"])
def test_corpus_ccn_agrees_with_lizard(name: str) -> None:
    run = compare(corpus("cpp", name))
    assert run.agreement.lizard > 1000  # the corpus was really read
    assert run.agreement.ratio >= 0.98, run.agreement.mismatches[:20]
    assert abs(run.our_nloc - run.lizard_nloc) <= run.lizard_nloc * 0.005


@pytest.mark.parametrize("name", ["ledger.cpp", "ledger.hpp"])
def test_sample_agrees_with_lizard_cli(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(CPP)
    cli = lizard_cli(path)
    ours = ANALYZER.analyze(CPP.encode(), name)
    agreement = Agreement()
    agreement.add(name, ours.functions, cli.functions)
    assert agreement.lizard >= MIN_FUNCTIONS[name]
    assert agreement.ratio == 1.0, agreement.mismatches
    assert [(f.start_line, f.name, f.nloc, f.params) for f in ours.functions] == \
        [(f.start_line, f.name, f.nloc, f.params) for f in cli.functions]
    assert ours.nloc == cli.nloc


def test_registry_loads_the_cpp_analyzer() -> None:
    analyzer = analyzers()["cpp"]
    assert isinstance(analyzer, CppAnalyzer)
    assert isinstance(analyzer, CAnalyzer)  # one set of lizard rules for both languages


# --- names, kinds, lines ------------------------------------------------------------------------


def test_names_are_qualified_as_lizard_shows_them() -> None:
    fns = assert_agrees_with_lizard("""namespace ns {
template <typename T>
class Foo : public Bar {
public:
  Foo(int a) : x(a) {}
  ~Foo() {}
  static int make(int q) { return q ? 1 : 2; }
  bool operator==(const Foo& o) const { return x == o.x && y; }
  operator bool() const { return x; }
private:
  int x, y;
};
}
int
ns::Foo<int>::bar(int a, char **b)
{
  return a;
}
template <class T> T::operator bool() const { return true; }
""").functions
    assert [(f.name, f.kind, f.start_line) for f in fns] == [
        ("ns::Foo::Foo", "constructor", 5), ("ns::Foo::~Foo", "method", 6),
        ("ns::Foo::make", "method", 7), ("ns::Foo::operator ==", "method", 8),
        ("ns::Foo::operator bool", "method", 9), ("ns::Foo<int>::bar", "method", 15),
        ("T::operator bool", "method", 19)]
    assert all(f.qualified_name == f.name for f in fns)


def test_out_of_class_constructor_and_free_function() -> None:
    fns = functions("""Widget::Widget(int n) : n_(n) {}
namespace util { int clamp(int v) { return v < 0 ? 0 : v; } }
""")
    assert {n: f.kind for n, f in fns.items()} == {"Widget::Widget": "constructor",
                                                   "util::clamp": "function"}


def test_lambda_bound_to_a_name_outside_functions_is_a_function() -> None:
    """lizard reports no lambda; ours are reported, and a lambda inside a function stays part
    of it (lizard counts its decisions there)."""
    result = assert_agrees_with_lizard("""int outer(int a) {
  auto f = [&](int b) { if (b) return 1; return a > 0 ? 2 : 3; };
  return f(a);
}
auto by_size = [](const std::string& a, const std::string& b) {
  return a.size() < b.size() || a < b;
};
""")
    fns = {f.name: f for f in result.functions}
    assert (fns["outer"].ccn, fns["outer"].kind) == (3, "function")
    assert (fns["by_size"].ccn, fns["by_size"].kind, fns["by_size"].params) == (2, "lambda", 2)


def test_local_class_methods_belong_to_the_enclosing_function() -> None:
    fns = assert_agrees_with_lizard("""int f() {
  struct Local { int g(int a) { return a ? 1 : 2; } };
  return Local().g(1);
}
""").functions
    assert [(f.name, f.ccn) for f in fns] == [("f", 2)]


def test_macro_heads_as_lizard_reads_them() -> None:
    """Test macros with a string argument, an export macro in a class head, namespace macros
    and a macro access specifier: all parse, and give lizard's functions (lizard glues the
    export macro to the class name: `FMT_APIWidget::size`; ours is the class's name)."""
    source = """FMT_BEGIN_NAMESPACE
class FMT_API Widget : public Base {
 public:
  int size() const { return n_ ? n_ : 1; }
 JSON_PRIVATE_UNLESS_TESTED:
  int n_;
};
FMT_END_NAMESPACE
TEST_CASE("widgets")
{
    SECTION("size")
    {
        CHECK(Widget().size() == 1 || fail());
    }
}
"""
    result = analyze(source)
    theirs = lizard.analyze(source.encode(), "cpp", "x.cpp")
    assert not result.partial
    assert [(f.start_line, f.name, f.ccn, f.nloc) for f in result.functions] == [
        (4, "Widget::size", 2, 1), (9, "TEST_CASE", 2, 7)]
    assert [(f.start_line, f.name, f.ccn, f.nloc) for f in theirs.functions] == [
        (4, "FMT_APIWidget::size", 2, 1), (9, "TEST_CASE", 2, 7)]
    (widget,) = result.classes
    assert [(f.name, f.visibility) for f in widget.fields] == [("n_", "private")]


def test_template_parameter_macros_and_attributes_under_conditionals() -> None:
    result = assert_agrees_with_lizard("""template <typename T, FMT_ENABLE_IF(is_int<T>::value &&
                                    !is_same<T, bool>::value)>
auto write(T value) -> int {
  return value > 0 ? 1 : 0;
}
template <typename Container, FMT_ENABLE_IF(is_contiguous<Container>::value)>
#if FMT_CLANG_VERSION >= 307
__attribute__((no_sanitize("undefined")))
#endif
inline auto reserve(Container& c, size_t n) -> int {
  return n || c.empty();
}
""")
    assert not result.partial
    assert [(f.name, f.start_line, f.ccn) for f in result.functions] == [("write", 3, 2),
                                                                          ("reserve", 10, 2)]


# --- cyclomatic complexity: what lizard counts in C++ -------------------------------------------


def test_catch_is_a_decision() -> None:
    result = assert_agrees_with_lizard("""void f() {
  try { g(); } catch (const std::exception& e) { h(); } catch (...) { }
}
""")
    (fn,) = result.functions
    assert (fn.ccn, fn.cognitive) == (3, 2)


def test_rvalue_references_as_lizard_counts_them() -> None:
    """`&&` followed by `=` (before `; { } )`) is an rvalue reference lizard does not count;
    any other `&&` counts, the range-for and lambda-parameter references included."""
    (fn,) = assert_agrees_with_lizard("""void f(std::vector<int>&& v) {
  auto&& a = g();
  for (auto&& x : v) { }
  auto l = [](auto&& y) { return y; };
  bool b = v.empty() && a;
}
""").functions
    assert fn.ccn == 1 + 1 + 1 + 1 + 1  # for, two counted references, one `&&`


def test_and_read_as_two_address_of_operators_still_counts() -> None:
    """`(std::isnan)(a) && b` parses as a cast of `&(&b)`: lizard sees `&&`, and so do we."""
    (fn,) = assert_agrees_with_lizard("""bool near(double a, double b) {
  return !(std::isnan)(a) && !(std::isnan)(b) && a < b;
}
""").functions
    assert fn.ccn == 3


def test_top_level_declaring_macros() -> None:
    result = assert_agrees_with_lizard("""DEFINE_DEFAULT_(void, );  // NOLINT
DEFINE_DEFAULT_(unsigned char, '\\0');
template <typename T>
typename std::add_const<T>::type& as_const(T& t) {
  return t ? t : t;
}
""")
    assert [(f.name, f.ccn) for f in result.functions] == [("as_const", 2)]


def test_decisions_in_a_function_head_do_not_count() -> None:
    """lizard restarts ccn at the body: default arguments, initializer lists, noexcept and
    trailing return types are not the function's."""
    fns = assert_agrees_with_lizard("""struct S {
  S(int a, int b = 1 ? 2 : 3) : x(a && b ? 1 : 0) { if (a) {} }
  template <class T> void g(T&& t, int q = 0) noexcept(true && false) { }
  auto h(int a) -> decltype(a || 1) { return a; }
  int x;
};
""").functions
    assert [f.ccn for f in fns] == [2, 1, 1]


# --- cognitive complexity -----------------------------------------------------------------------


def test_cognitive_lambda_nests_and_range_for_counts() -> None:
    fns = functions("""int f(const std::vector<int>& v) {
  int n = 0;
  for (int x : v) {                           // +1
    auto keep = [&](int y) { return y > 0 ? y : 0; };  // lambda nests: ?: is +3
    n += keep(x);
  }
  return n;
}
""")
    assert (fns["f"].cognitive, fns["f"].max_nesting) == (4, 3)


# --- classes and imports ------------------------------------------------------------------------


def test_classes_with_bases_visibility_static_and_constructors() -> None:
    classes = analyze("""class LEVELDB_EXPORT Cache : public Base, protected virtual Io<int> {
 public:
  Cache() = default;
  explicit Cache(int n);
  virtual ~Cache();
  static Cache* Create(int n) { return new Cache(n); }
  template <typename T> T get() const;
  friend bool operator==(const Cache&, const Cache&);
 protected:
  int n_;
  static int count_;
 private:
  struct Entry { int key; };
};
struct Point { int x, y; double norm() const; };
union Value { int i; float f; };
enum class Color { Red, Green };
""").classes
    cache = classes[0]
    assert (cache.name, cache.kind, cache.start_line, cache.end_line) == ("Cache", "class", 1, 14)
    assert cache.bases == ["public Base", "protected virtual Io<int>"]
    assert [(m.name, m.visibility, m.static, m.constructor) for m in cache.methods] == [
        ("Cache", "public", False, True), ("Cache", "public", False, True),
        ("~Cache", "public", False, False), ("Create", "public", True, False),
        ("get", "public", False, False)]
    assert [(f.name, f.visibility, f.static) for f in cache.fields] == [
        ("n_", "protected", False), ("count_", "protected", True)]
    assert [(c.name, c.kind) for c in classes[1:]] == [
        ("Cache::Entry", "struct"), ("Point", "struct"), ("Value", "union"), ("Color", "enum")]
    point = classes[2]
    assert [(f.name, f.visibility) for f in point.fields] == [("x", "public"), ("y", "public")]
    assert [m.name for m in point.methods] == ["norm"]


def test_includes_with_their_kinds() -> None:
    imports = analyze("""#pragma once
#include <vector>
#include "db/dbformat.h"
#if defined(LEVELDB_PLATFORM_POSIX)
#include "port/port_posix.h"
#endif
""").imports
    assert [(i.module, i.kind, i.line) for i in imports] == [
        ("vector", "static", 2), ("db/dbformat.h", "relative", 3),
        ("port/port_posix.h", "conditional", 5)]


# --- bad input ----------------------------------------------------------------------------------


def test_syntax_error_marks_the_file_partial_and_still_measures_it() -> None:
    result = analyze("""class A {
  int f(int a) { return a ? 1 : 2; }
  int g( { }
};
int h(int a) { return a && 1; }
""")
    assert result.partial
    assert 3 in result.parse_errors
    assert {f.name: f.ccn for f in result.functions}["h"] == 2


def test_empty_and_non_utf8() -> None:
    assert analyze("").functions == []
    result = analyze(b'int f(bool a) { auto s = u8"\xff\xfe"; return a || s[0]; }\n')
    assert result.error is None
    assert [(f.name, f.ccn) for f in result.functions] == [("f", 2)]
