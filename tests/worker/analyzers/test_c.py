"""The C analyzer: agreement with lizard on real code and on the samples, and its own metrics,
names, classes and imports on small snippets (docs/languages/c.md explains each)."""

from __future__ import annotations

from pathlib import Path

import pytest
from clike_corpora import compare, corpus
from lizard_compare import Agreement
from lizard_oracle import lizard_cli
from samples import C_HEADER, MIN_FUNCTIONS, C

from mesh.models import FileAnalysis, FunctionMetrics
from worker import analysis as lizard
from worker.analyzers.c import CAnalyzer
from worker.analyzers.registry import analyzers

ANALYZER = CAnalyzer()


def analyze(source: str | bytes) -> FileAnalysis:
    return ANALYZER.analyze(source.encode() if isinstance(source, str) else source, "x.c")


def functions(source: str) -> dict[str, FunctionMetrics]:
    return {f.name: f for f in analyze(source).functions}


def only(source: str) -> FunctionMetrics:
    (function,) = analyze(source).functions
    return function


def assert_agrees_with_lizard(source: str) -> FileAnalysis:
    """Same functions at the same lines with the same ccn, NLOC and parameters as lizard."""
    ours = analyze(source)
    theirs = lizard.analyze(source.encode(), "c", "x.c")
    assert [(f.start_line, f.name, f.ccn, f.nloc, f.params) for f in ours.functions] == \
        [(f.start_line, f.name, f.ccn, f.nloc, f.params) for f in theirs.functions]
    assert ours.nloc == theirs.nloc
    return ours


# --- agreement with lizard ----------------------------------------------------------------------


@pytest.mark.corpus
@pytest.mark.parametrize("name", ["lua5.4", "redis"])
def test_corpus_ccn_agrees_with_lizard(name: str) -> None:
    run = compare(corpus("c", name))
    assert run.agreement.lizard > 1000  # the corpus was really read
    assert run.agreement.ratio >= 0.98, run.agreement.mismatches[:20]
    assert abs(run.our_nloc - run.lizard_nloc) <= run.lizard_nloc * 0.005


@pytest.mark.parametrize(("name", "source"), [("buffer.c", C), ("ring.h", C_HEADER)])
def test_samples_agree_with_lizard_cli(tmp_path: Path, name: str, source: str) -> None:
    path = tmp_path / name
    path.write_text(source)
    cli = lizard_cli(path)
    ours = ANALYZER.analyze(source.encode(), name)
    agreement = Agreement()
    agreement.add(name, ours.functions, cli.functions)
    assert agreement.lizard >= MIN_FUNCTIONS[name]
    assert agreement.ratio == 1.0, agreement.mismatches
    assert [(f.start_line, f.name, f.nloc, f.params) for f in ours.functions] == \
        [(f.start_line, f.name, f.nloc, f.params) for f in cli.functions]
    assert ours.nloc == cli.nloc


def test_registry_loads_the_c_analyzer() -> None:
    assert isinstance(analyzers()["c"], CAnalyzer)


# --- cyclomatic complexity: lizard's tokens -----------------------------------------------------


def test_ccn_counts_lizards_tokens_and_conditional_directives() -> None:
    fn = assert_agrees_with_lizard("""int f(int x, int y)
{
#if A && B
  if (x && y || !x) { } else if (y) { }
#ifdef C
  for (;;) { }
#elif D
  while (x) { }
#else
  do { } while (0);
#endif
#endif
#ifndef E
  x = y ? 1 : 2;
#endif
  switch (x) { case 1: case 2: break; default: break; }
  return x;
}
""").functions[0]
    # if && || if for while while ? case case, and #if #ifdef #elif (not #ifndef, #else, nor
    # the `&&` of `#if A && B`)
    assert fn.ccn == 1 + 10 + 3


def test_ccn_ignores_keywords_in_strings_comments_and_macro_bodies() -> None:
    fn = only("""int f(void) {
#define CHECK(x) if (!(x) && y) return -1
  const char *s = "if (a && b) for ?";  /* while || case */
  return s[0] == '?';
}
""")
    assert fn.ccn == 1


def test_nested_function_definitions_count_towards_the_outer() -> None:
    """GCC's nested functions: lizard reads them as part of the enclosing function."""
    fns = assert_agrees_with_lizard("""int outer(int a) {
  int inner(int b) { return b ? 1 : 2; }
  return a && inner(a);
}
""").functions
    assert [(f.name, f.ccn) for f in fns] == [("outer", 3)]


# --- functions: names, lines, NLOC --------------------------------------------------------------


def test_function_starts_at_its_name_not_its_return_type() -> None:
    fn = assert_agrees_with_lizard("""static const char *
name_of(int code)
{
  return code ? "yes" : "no";
}
""").functions[0]
    assert (fn.start_line, fn.end_line, fn.nloc, fn.kind) == (2, 5, 4, "function")


def test_k_and_r_definition() -> None:
    fn = assert_agrees_with_lizard("""int old(a, b)
  int a;
  char *b;
{
  return a > 0 && b;
}
""").functions[0]
    assert (fn.name, fn.params, fn.ccn) == ("old", 2, 2)


def test_preprocessor_alternatives_of_a_head_share_one_body() -> None:
    """tree-sitter parses both heads as declarations and the body apart; lizard takes the last
    head for the function, so do we."""
    result = assert_agrees_with_lizard("""#ifdef WIDE
int measure(int a, int b)
#else
int measure(int a)
#endif
{
#ifdef TRACE
  trace(a);
#endif
  return a > 0;
}
""")
    (fn,) = result.functions
    assert (fn.name, fn.start_line, fn.ccn, fn.nloc) == ("measure", 4, 2, 5)


def test_directive_lines_are_not_code_but_includes_are() -> None:
    result = assert_agrees_with_lizard("""#include <stdio.h>
#define TWICE(x) \\
  ((x) * 2)
#if defined(DEBUG)

#endif
int f(void) { return TWICE(1); }
""")
    assert result.nloc == 2


def test_params_count() -> None:
    fns = functions("""void none(void) {}
void two(int a, const char *b) {}
void variadic(const char *fmt, ...) {}
void callback(int (*cb)(int, int), void *arg) {}
""")
    assert {n: f.params for n, f in fns.items()} == {"none": 0, "two": 2, "variadic": 1,
                                                     "callback": 2}


def test_macros_tree_sitter_cannot_parse_are_repaired() -> None:
    """An export macro before the return type, a macro statement without `;` and a macro call
    inside a string concatenation: lizard reads through them, tree-sitter would not."""
    result = assert_agrees_with_lizard("""LUA_API int lua_gettop (lua_State *L) {
  return L->top ? 1 : 0;
}
BEGIN_DECLS
static void error(int code) {
  report("expected " QUOTE("=") " or " QUOTE("in"));
  switch (code) { case 1: x = 1; FALLTHROUGH_MACRO
  case 2: break; }
}
""")
    assert not result.partial
    assert [f.ccn for f in result.functions] == [2, 3]


def test_conditional_directives_inside_an_expression_are_read_through() -> None:
    """Both branches are read, as lizard reads them, and the `#if` in a body still counts."""
    result = assert_agrees_with_lizard("""static char prefix[
    /* room for the path */
#ifdef PROF
    PATH_MAX +
#endif
    1];
int f(int a) {
  int n = a +
#if WIDE
      2 +
#endif
      1;
  return n ? 1 : 0;
}
int g(int a) { return a && 1; }
""")
    assert not result.partial
    assert [(f.name, f.ccn) for f in result.functions] == [("f", 3), ("g", 2)]


def test_multi_line_macro_statement_at_top_level() -> None:
    result = assert_agrees_with_lizard("""CTL_RO_GEN(opt_abort, opt_abort,
    bool)
rb_gen(static, tree_, tree_t, node_t,
    link, node_comp)

static int
node_comp(const node_t *a, const node_t *b) {
  return (a->k > b->k) - (a->k < b->k) || a == b;
}
""")
    assert [(f.name, f.start_line, f.ccn) for f in result.functions] == [("node_comp", 7, 2)]


def test_conditional_splitting_an_else_if_chain() -> None:
    """tree-sitter reads `else if (b) {` after `#if` as a nested function named `if`; the `if`
    still counts, as lizard counts it."""
    result = assert_agrees_with_lizard("""int order(int a, int b) {
  if (less(a, b))
    return 1;
#if defined(COMPAT)
  else if (b) {
    return 2;
  }
#endif
  return 0;
}
""")
    assert [(f.name, f.ccn) for f in result.functions] == [("order", 4)]


# --- cognitive complexity: SonarSource's specification ------------------------------------------


def test_cognitive_sum_of_primes() -> None:
    fn = only("""int sumOfPrimes(int max) {
  int total = 0;
  for (int i = 1; i <= max; ++i) {   /* +1 */
    for (int j = 2; j < i; ++j) {    /* +2 (nesting = 1) */
      if (i % j == 0) {              /* +3 (nesting = 2) */
        goto next;                   /* +1 */
      }
    }
    total += i;
  next:;
  }
  return total;
}
""")
    assert (fn.cognitive, fn.max_nesting, fn.ccn) == (7, 3, 4)


def test_cognitive_get_words_switch() -> None:
    fn = only("""const char *getWords(int number) {
  switch (number) {    /* +1 */
    case 1: return "one";
    case 2: return "a couple";
    case 3: return "a few";
    default: return "lots";
  }
}
""")
    assert (fn.cognitive, fn.ccn) == (1, 4)


def test_cognitive_if_else_if_else_chain_nested() -> None:
    fn = only("""void f(int a, int b) {
  while (a > 0) {          /* +1 */
    if (a > b) {           /* +2 */
    } else if (a < b) {    /* +1 */
      if (b == 0) { }      /* +3 */
    } else {               /* +1 */
      a = b ? a : b;       /* +3 */
    }
    do { a--; } while (a > 9);  /* +2 */
  }
}
""")
    assert (fn.cognitive, fn.max_nesting) == (13, 3)


def test_cognitive_boolean_operator_sequences() -> None:
    fns = functions("""int one(int a, int b, int c) { return a && b && c; }
int two(int a, int b, int c, int d) { return a && b && c || d; }
int three(int a, int b, int c, int d) { return a && (b || c) && d; }
int mixed(int a, int b, int c, int d) { return a || b && c || d; }
""")
    assert {n: f.cognitive for n, f in fns.items()} == {"one": 1, "two": 2, "three": 2,
                                                        "mixed": 3}


# --- classes and imports ------------------------------------------------------------------------


def test_structs_unions_enums_and_typedefs() -> None:
    classes = analyze("""typedef struct { int head, tail; int *slots; } ring;
struct node {
  struct node *next;
  int (*visit)(struct node *);
  union { int i; float f; } value;
};
enum color { RED, GREEN = 2 };
struct node *first(void);
""").classes
    assert [(c.name, c.kind, c.start_line, c.end_line) for c in classes] == [
        ("ring", "struct", 1, 1), ("node", "struct", 2, 6), ("(anonymous)", "union", 5, 5),
        ("color", "enum", 7, 7)]
    assert [f.name for f in classes[0].fields] == ["head", "tail", "slots"]
    assert [f.name for f in classes[1].fields] == ["next", "visit", "value"]
    assert classes[1].methods == []  # C has function pointers, not methods
    assert [(f.name, f.static) for f in classes[3].fields] == [("RED", True), ("GREEN", True)]


def test_includes_with_their_kinds() -> None:
    imports = analyze("""#ifndef CONFIG_H
#define CONFIG_H
#include <stdio.h>
#include "util/buffer.h"
#ifdef _WIN32
#  include <windows.h>
#else
#  include "posix.h"
#endif
#include PLATFORM_HEADER
#endif
""").imports
    assert [(i.module, i.kind, i.line) for i in imports] == [
        ("stdio.h", "static", 3), ("util/buffer.h", "relative", 4),
        ("windows.h", "conditional", 6), ("posix.h", "conditional", 8),
        ("PLATFORM_HEADER", "dynamic", 10)]


# --- bad input ----------------------------------------------------------------------------------


def test_syntax_error_marks_the_file_partial_and_still_measures_it() -> None:
    result = analyze("""int f(int a) {
  int = ;
  if (a) return 1;
  return 0;
}
int g(int a) { return a ? 1 : 0; }
""")
    assert result.partial
    assert result.parse_errors == [2]
    assert [(f.name, f.ccn) for f in result.functions] == [("f", 2), ("g", 2)]


def test_empty_file() -> None:
    result = analyze("")
    assert (result.nloc, result.functions, result.partial, result.classes) == (0, [], False, [])


def test_non_utf8_bytes() -> None:
    result = analyze(b'int f(int a) {\n  const char *s = "caf\xe9\xff";\n  return a && s;\n}\n')
    assert result.error is None
    assert [(f.name, f.ccn, f.nloc) for f in result.functions] == [("f", 2, 4)]
