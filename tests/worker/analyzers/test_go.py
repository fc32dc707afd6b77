"""The Go analyzer: agreement with lizard on real code and on the sample, and its own metrics,
kinds, names, classes and imports on small snippets (docs/languages/go.md explains each)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lizard_compare import Agreement
from lizard_oracle import lizard_cli
from samples import GO, MIN_FUNCTIONS

from mesh.models import FileAnalysis, FunctionMetrics
from worker import analysis as lizard
from worker.analyzers.go import GoAnalyzer
from worker.analyzers.registry import analyzers

CORPORA = Path(os.environ.get("CODEMESH_CORPORA", Path.home() / ".cache/codemesh-corpora"))
GO_CORPORA = ["golang-github-gin-gonic-gin-dev", "golang-github-prometheus-client-golang-dev",
              "golang-github-spf13-cobra"]

ANALYZER = GoAnalyzer()


def analyze(source: str | bytes) -> FileAnalysis:
    return ANALYZER.analyze(source.encode() if isinstance(source, str) else source, "x.go")


def functions(source: str) -> dict[str, FunctionMetrics]:
    return {f.name: f for f in analyze(source).functions}


def only(source: str) -> FunctionMetrics:
    (function,) = analyze(source).functions
    return function


# --- agreement with lizard ----------------------------------------------------------------------


def _corpus(name: str) -> Path:
    found = sorted(p for p in (CORPORA / "go").glob(f"{name}-*") if (p / ".complete").exists())
    if not found:
        pytest.skip(f"corpus {name} not fetched: bash ../shared/corpora/get.sh go")
    return found[-1]


@pytest.mark.corpus
@pytest.mark.parametrize("name", GO_CORPORA)
def test_corpus_ccn_agrees_with_lizard(name: str) -> None:
    """lizard through `worker.analysis` (which tests/worker/test_analysis.py holds equal to the
    CLI): one process for the whole corpus instead of two CLI runs per file."""
    root = _corpus(name)
    agreement = Agreement()
    lizard_nloc = our_nloc = 0
    for path in sorted(root.rglob("*.go")):
        data = path.read_bytes()
        theirs = lizard.analyze(data, "go", path.name)
        ours = ANALYZER.analyze(data, path.name)
        agreement.add(str(path.relative_to(root)), ours.functions, theirs.functions)
        lizard_nloc += theirs.nloc
        our_nloc += ours.nloc
    assert agreement.lizard > 500  # the corpus was really read
    assert agreement.ratio >= 0.98, agreement.mismatches[:20]
    assert agreement.matched == agreement.lizard, agreement.mismatches[:20]  # every one found
    assert our_nloc == lizard_nloc


def test_sample_agrees_with_lizard_cli(tmp_path: Path) -> None:
    path = tmp_path / "store.go"
    path.write_text(GO)
    cli = lizard_cli(path)
    ours = ANALYZER.analyze(GO.encode(), "store.go")
    agreement = Agreement()
    agreement.add("store.go", ours.functions, cli.functions)
    assert agreement.lizard >= MIN_FUNCTIONS["store.go"]
    assert agreement.ratio == 1.0, agreement.mismatches
    assert [(f.start_line, f.name) for f in ours.functions] == \
        sorted((f.start_line, f.name) for f in cli.functions)
    assert ours.nloc == cli.nloc


def test_registry_loads_the_go_analyzer() -> None:
    assert isinstance(analyzers()["go"], GoAnalyzer)


# --- cyclomatic complexity: lizard's tokens -----------------------------------------------------


def test_ccn_counts_if_for_case_and_boolean_operators() -> None:
    fn = only("""package p
func f(x int, ch chan int) {
	if x > 0 && x < 9 || x == 20 {
	} else if x < 0 {
	} else {
	}
	for i := 0; i < x; i++ {
	}
	switch x {
	case 1, 2:
	case 3:
	default:
	}
	switch v := any(x).(type) {
	case int:
	case string:
		_ = v
	}
	select {
	case <-ch:
	default:
	}
}
""")
    # if, &&, ||, else if, for, 2 expression cases, 2 type cases, 1 communication case
    assert fn.ccn == 1 + 10


def test_ccn_ignores_keywords_in_strings_and_comments() -> None:
    fn = only("""package p
func f() string {
	a := "if && ||"  // for case
	b := `case
for`
	c := '|'
	return a + b + string(c)
}
""")
    assert fn.ccn == 1


def test_function_literal_decisions_are_its_own() -> None:
    fns = functions("""package p
func outer(xs []int) {
	if len(xs) == 0 {
		return
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] && i < j })
}
""")
    assert fns["outer"].ccn == 2
    assert fns["anonymous__0"].ccn == 2


def test_identifiers_named_like_other_languages_keywords_are_no_decisions() -> None:
    """lizard counts `catch` and `while` in any language; they are plain names in Go."""
    assert only("package p\nfunc f() { catch, while := 1, 2; _ = catch + while }\n").ccn == 1


def test_struct_result_type_keeps_the_body() -> None:
    """lizard ends the function at `struct{}`'s braces (ccn 1); the body is the function's."""
    fn = only("""package p
func done() <-chan struct{} {
	if a || b {
		return nil
	}
	return nil
}
""")
    assert (fn.ccn, fn.end_line) == (3, 7)


def test_declaration_without_body_is_no_function() -> None:
    fns = functions("package p\n\nfunc asm(x int) int\n\nfunc after() {}\n")
    assert set(fns) == {"after"}


# --- cognitive complexity: SonarSource's specification ------------------------------------------


def test_cognitive_sum_of_primes() -> None:
    fn = only("""package p
func sumOfPrimes(max int) int {
	total := 0
OUT:
	for i := 1; i <= max; i++ { // +1
		for j := 2; j < i; j++ { // +2 (nesting = 1)
			if i%j == 0 { // +3 (nesting = 2)
				continue OUT // +1
			}
		}
		total += i
	}
	return total
}
""")
    assert fn.cognitive == 7
    assert fn.max_nesting == 3


def test_cognitive_get_words_switch() -> None:
    fn = only("""package p
func getWords(number int) string {
	switch number { // +1
	case 1:
		return "one"
	case 2:
		return "a couple"
	case 3:
		return "a few"
	default:
		return "lots"
	}
}
""")
    assert fn.cognitive == 1
    assert fn.ccn == 4


def test_cognitive_if_else_if_else_chain_nested() -> None:
    fn = only("""package p
func f(a, b int) {
	for a > 0 { // +1
		if a > b { // +2
		} else if a < b { // +1
			if b == 0 { // +3
			}
		} else { // +1
		}
	}
}
""")
    assert fn.cognitive == 8
    assert fn.max_nesting == 3


def test_cognitive_boolean_operator_sequences() -> None:
    fns = functions("""package p
func one(a, b, c bool) bool { return a && b && c }
func two(a, b, c, d bool) bool { return a && b && c || d }
func three(a, b, c, d bool) bool { return a && (b || c) && d }
func mixed(a, b, c, d bool) bool { return a || b && c || d }
""")
    assert fns["one"].cognitive == 1
    assert fns["two"].cognitive == 2
    assert fns["three"].cognitive == 2  # the parenthesised `||` is a sequence of its own
    assert fns["mixed"].cognitive == 3


def test_cognitive_goto_and_labelled_jumps() -> None:
    fn = only("""package p
func f(xs []int) {
loop:
	for _, x := range xs { // +1
		switch { // +2
		case x < 0:
			break loop // +1
		case x == 0:
			break
		case x > 9:
			goto done // +1
		}
		continue
	}
done:
}
""")
    assert fn.cognitive == 5


def test_cognitive_select_and_type_switch() -> None:
    fn = only("""package p
func f(ch chan any) {
	select { // +1
	case v := <-ch:
		switch v.(type) { // +2
		case int:
		}
	}
}
""")
    assert fn.cognitive == 3


def test_closure_cognitive_is_measured_on_its_own() -> None:
    fns = functions("""package p
func outer() {
	if x { // +1
		run(func() {
			if y { // +1, nesting starts again in the literal
			}
		})
	}
}
""")
    assert fns["outer"].cognitive == 1
    assert fns["anonymous__0"].cognitive == 1


# --- names, kinds, parameters -------------------------------------------------------------------

KINDS = """package store

type Store struct{ items map[string]int }

func New() *Store { return &Store{} }

func NewStore(size int) (*Store, error) { return nil, nil }

func Newline() string { return "\\n" }

func (s *Store) Add(name string, n int) error {
	var check = func(v int) bool { return v > 0 }
	walk := func() {
		inner := func() {}
		inner()
	}
	walk()
	_ = check
	return nil
}

func (Pair[K, V]) Swap() {}

var Handler = func(w, r int) {}
"""


def test_kinds_and_qualified_names() -> None:
    found = {(f.name, f.qualified_name, f.kind) for f in analyze(KINDS).functions}
    assert found == {
        ("New", "New", "constructor"),
        ("NewStore", "NewStore", "constructor"),
        ("Newline", "Newline", "function"),
        ("Add", "Store.Add", "method"),
        ("check", "Store.Add.check", "closure"),
        ("anonymous__0", "Store.Add.anonymous__0", "closure"),
        ("anonymous__1", "Store.Add.anonymous__0.anonymous__1", "closure"),
        ("Swap", "Pair.Swap", "method"),
        ("Handler", "Handler", "closure"),
    }


def test_long_names_show_receiver_and_parameters() -> None:
    fns = functions(KINDS)
    assert fns["Add"].long_name == "(s *Store) Add(name string, n int)"
    assert fns["Swap"].long_name == "(Pair[K, V]) Swap()"
    assert fns["check"].long_name == "check(v int)"


def test_anonymous_literals_are_numbered_per_file() -> None:
    source = "package p\nvar a, b = func() {}, func() {}\n"
    first = [f.name for f in analyze(source).functions]
    second = [f.name for f in analyze(source).functions]
    assert first == second == ["anonymous__0", "anonymous__1"]


def test_only_lone_var_initialisers_name_a_literal() -> None:
    """lizard's rule: `var name [T] = func...` names it; groups, lists and `:=` do not."""
    names = [f.name for f in analyze("""package p
var named = func() {}
var typed func() int = func() int { return 1 }
var called = func() int { return 1 }()
var (
	grouped = func() {}
)
var wrapped = (func() {})
""").functions]
    assert names == ["named", "typed", "called", "anonymous__0", "anonymous__1"]


def test_params_count_names() -> None:
    fns = functions("""package p
func none() {}
func pair(a, b int) {}
func unnamed(int, string) {}
func variadic(format string, args ...any) {}
func typed[T any, U comparable](x T, f func(T, U) bool) {}
func (s *S) method(done <-chan struct{}) {}
""")
    assert {name: f.params for name, f in fns.items()} == {
        "none": 0, "pair": 2, "unnamed": 2, "variadic": 2, "typed": 2, "method": 1}


def test_nloc_and_lines() -> None:
    result = analyze("package p\n\n// doc\nfunc f() {\n\t/* c */\n\treturn\n}\n")
    assert (result.lines, result.nloc, result.comments, result.blank) == (7, 4, 2, 1)
    assert result.functions[0].nloc == 3
    assert result.functions[0].halstead.N1 > 0


# --- classes ------------------------------------------------------------------------------------

TYPES = """package shapes

import "io"

type (
	Shape interface {
		io.Reader
		fmt.Stringer
		Area() float64
		perimeter() float64
	}
	Number interface {
		~int | ~float64
	}
)

type Square struct {
	Base
	*Named
	io.Writer
	Side, depth float64 `json:"side"`
	Owner     string
}

func NewSquare(side float64) *Square { return &Square{Side: side} }

func (s *Square) Area() float64 { return s.Side * s.Side }

func (s Square) perimeter() float64 { return 4 * s.Side }

type Color int

const (
	Red Color = iota
	Green
	blue
)

const Limit int = 3

func (c Color) String() string { return "" }

type HandlerFunc func(int)

func (f HandlerFunc) Serve() {}

type Plain []int

type Alias = Square

func (c *Circle) Area() float64 { return 0 }

func local() {
	type point struct{ x, y int }
}
"""


def test_classes() -> None:
    classes = {c.name: c for c in analyze(TYPES).classes}
    assert set(classes) == {"Shape", "Number", "Square", "Color", "HandlerFunc", "Circle",
                            "point"}
    shape = classes["Shape"]
    assert shape.kind == "interface"
    assert shape.bases == ["io.Reader", "fmt.Stringer"]
    assert [(m.name, m.visibility) for m in shape.methods] == [
        ("Area", "public"), ("perimeter", "package")]
    assert classes["Number"].bases == []

    square = classes["Square"]
    assert (square.kind, square.start_line, square.end_line) == ("struct", 17, 23)
    assert square.bases == ["Base", "*Named", "io.Writer"]
    assert [(f.name, f.visibility) for f in square.fields] == [
        ("Side", "public"), ("depth", "package"), ("Owner", "public")]
    assert [(m.name, m.visibility, m.static, m.constructor) for m in square.methods] == [
        ("NewSquare", "public", True, True),
        ("Area", "public", False, False),
        ("perimeter", "package", False, False)]

    color = classes["Color"]
    assert color.kind == "enum"
    assert [f.name for f in color.fields] == ["Red", "Green", "blue"]
    assert [m.name for m in color.methods] == ["String"]
    assert classes["HandlerFunc"].kind == "class"
    circle = classes["Circle"]  # methods of a type declared in another file of the package
    assert (circle.kind, [m.name for m in circle.methods]) == ("impl", ["Area"])
    assert classes["point"].kind == "struct"


# --- imports ------------------------------------------------------------------------------------


def test_imports_as_written() -> None:
    imports = analyze("""package main

/*
#include <stdio.h>
*/
import "C"

import (
	"fmt"
	str "strings"
	. "math"
	_ "embed"
	"github.com/spf13/cobra"
	"./local"
)
""").imports
    assert [(i.module, i.names, i.kind, i.line) for i in imports] == [
        ("C", [], "static", 6),
        ("fmt", [], "static", 9),
        ("strings", ["str"], "static", 10),
        ("math", ["."], "static", 11),
        ("embed", ["_"], "static", 12),
        ("github.com/spf13/cobra", [], "static", 13),
        ("./local", [], "relative", 14),
    ]


@pytest.mark.parametrize("constraint", ["//go:build linux && !cgo", "// +build windows"])
def test_imports_of_build_constrained_files_are_conditional(constraint: str) -> None:
    imports = analyze(f"// Copyright\n\n{constraint}\n\npackage p\n\nimport \"os\"\n").imports
    assert [(i.module, i.kind) for i in imports] == [("os", "conditional")]


def test_build_comment_after_package_clause_is_no_constraint() -> None:
    imports = analyze("package p\n\n//go:build linux\nimport `os`\n").imports
    assert [(i.module, i.kind) for i in imports] == [("os", "static")]


# --- bad input ----------------------------------------------------------------------------------


def test_syntax_errors_mark_the_file_partial_and_still_measure() -> None:
    result = analyze("""package p

func good(x int) int {
	if x > 0 {
		return 1
	}
	return 0
}

func broken( {
	if y {
}
""")
    assert result.partial
    assert result.parse_errors and min(result.parse_errors) >= 10
    assert result.functions[0].name == "good"
    assert result.functions[0].ccn == 2


@pytest.mark.parametrize("data", [b"", b"\n  \n\t\n"], ids=["empty", "blank"])
def test_empty_file(data: bytes) -> None:
    result = analyze(data)
    assert (result.functions, result.classes, result.imports) == ([], [], [])
    assert (result.nloc, result.sloc, result.halstead.length, result.mi) == (0, 0, 0, 100.0)
    assert not result.partial


def test_non_utf8_bytes() -> None:
    result = analyze(b'package p\n\nfunc f() string {\n\tif x {\n\t}\n'
                     b'\treturn "\xff\xfe caf\xe9"\n}\n')
    assert result.error is None
    assert [(f.name, f.ccn, f.nloc) for f in result.functions] == [("f", 2, 5)]
