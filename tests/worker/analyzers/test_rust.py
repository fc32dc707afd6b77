"""The Rust analyzer: agreement with lizard on real code and on the sample, and its own metrics,
kinds, names, classes and imports on small snippets (docs/languages/rust.md explains each)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from lizard_compare import Agreement
from lizard_oracle import lizard_cli
from samples import MIN_FUNCTIONS, RUST
from tree_sitter import Node

from mesh.models import FileAnalysis, FunctionMetrics, ImportInfo
from worker import analysis as lizard
from worker.analyzers.registry import analyzers
from worker.analyzers.rust import RustAnalyzer

CORPORA = Path(os.environ.get("CODEMESH_CORPORA", Path.home() / ".cache/codemesh-corpora"))
RUST_CORPORA = ["librust-regex-dev", "librust-serde-dev", "librust-tokio-dev", "rust-clap"]

ANALYZER = RustAnalyzer()


def analyze(source: str | bytes) -> FileAnalysis:
    return ANALYZER.analyze(source.encode() if isinstance(source, str) else source, "x.rs")


def functions(source: str) -> dict[str, FunctionMetrics]:
    return {f.qualified_name: f for f in analyze(source).functions}


def only(source: str) -> FunctionMetrics:
    (function,) = analyze(source).functions
    return function


def lizard_ccn(source: str) -> dict[str, int]:
    return {f.name: f.ccn for f in lizard.analyze(source.encode(), "rust", "x.rs").functions}


def phantoms(data: bytes, ours: list[FunctionMetrics],
             theirs: list[FunctionMetrics]) -> list[FunctionMetrics]:
    """lizard's functions that are no function: lizard starts one at every `fn` and takes the
    next `{` for its body, also after a declaration without one (`fn get(&self) -> u8;` in a
    trait or an `extern` block) and in a function pointer type (`fn(&str) -> bool`), and then
    reports the next function's body under that `fn`'s line. Such a function starts on a line
    with the `fn` of a declaration or of a pointer type (in a macro's tokens too: `fn(` or
    `fn name(...)` followed by `;` before any `{...}`), where we report no function."""
    starts = {f.start_line for f in ours}
    lines: set[int] = set()
    stack = [ANALYZER.parser.parse(data).root_node]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.type != "fn" or node.parent is None:
            continue
        if node.parent.type in ("function_signature_item", "function_type"):
            lines.add(node.start_point[0] + 1)
        elif node.parent.type == "token_tree":
            following = node.next_sibling
            if _opens(following, "("):  # `fn(u8) -> bool`
                lines.add(node.start_point[0] + 1)
                continue
            while following is not None and following.type != ";" and \
                    not _opens(following, "{"):
                following = following.next_sibling
            if following is not None and following.type == ";":  # `fn f(&self) -> u8;`
                lines.add(node.start_point[0] + 1)
    return [f for f in theirs if f.start_line in lines and f.start_line not in starts]


def _opens(node: Node | None, bracket: str) -> bool:
    return node is not None and node.type == "token_tree" and node.children[0].type == bracket


# --- agreement with lizard ----------------------------------------------------------------------


def _corpus(name: str) -> Path:
    found = sorted(p for p in (CORPORA / "rust").glob(f"{name}-*") if (p / ".complete").exists())
    if not found:
        pytest.skip(f"corpus {name} not fetched: bash ../shared/corpora/get.sh rust")
    return found[-1]


@pytest.mark.corpus
@pytest.mark.parametrize("name", RUST_CORPORA)
def test_corpus_ccn_agrees_with_lizard(name: str) -> None:
    """lizard through `worker.analysis` (which tests/worker/test_analysis.py holds equal to the
    CLI): one process for the whole corpus instead of two CLI runs per file.

    Over every function lizard reports, ccn agrees on at least 96.4% (serde's traits declare
    many methods without a body, each of which lizard turns into a phantom function); over the
    functions lizard reports that exist (phantoms left out), on at least 98%, and every one of
    them is found."""
    root = _corpus(name)
    everything = Agreement()
    real = Agreement()
    phantom = 0
    lizard_nloc = our_nloc = 0
    for path in sorted(root.rglob("*.rs")):
        data = path.read_bytes()
        theirs = lizard.analyze(data, "rust", path.name)
        ours = ANALYZER.analyze(data, path.name)
        relative = str(path.relative_to(root))
        everything.add(relative, ours.functions, theirs.functions)
        ghosts = phantoms(data, ours.functions, theirs.functions)
        phantom += len(ghosts)
        real.add(relative, ours.functions, [f for f in theirs.functions if f not in ghosts])
        lizard_nloc += theirs.nloc
        our_nloc += ours.nloc
    assert everything.lizard > 500  # the corpus was really read
    assert real.ratio >= 0.98, real.mismatches[:20]
    assert real.matched == real.lizard, real.mismatches[:20]  # every real one found
    assert everything.ratio >= 0.964, everything.mismatches[:20]
    assert phantom <= 0.035 * everything.lizard
    # lizard reads some comments and blank lines as code: after a character literal such as
    # 'a' (its tokenizer takes `'a` for a lifetime, then a string up to the next quote) and
    # in nested block comments
    assert abs(our_nloc - lizard_nloc) <= 0.01 * lizard_nloc


def test_sample_agrees_with_lizard_cli(tmp_path: Path) -> None:
    path = tmp_path / "tokens.rs"
    path.write_text(RUST)
    cli = lizard_cli(path)
    ours = ANALYZER.analyze(RUST.encode(), "tokens.rs")
    ghosts = phantoms(RUST.encode(), ours.functions, cli.functions)
    # `fn get(&self, key: &str) -> Option<i64>;` in `trait Store`: lizard's `get` is
    # `total`'s body, and `total` is missing from its report
    assert [(f.name, f.start_line) for f in ghosts] == [("get", 51)]
    real = [f for f in cli.functions if f not in ghosts]
    assert len(real) + 1 >= MIN_FUNCTIONS["tokens.rs"]
    fields = ("name", "start_line", "end_line", "nloc", "ccn", "params")
    by_line = {f.start_line: f for f in ours.functions}
    for ref in real:
        mine = by_line[ref.start_line]
        assert [getattr(mine, k) for k in fields] == [getattr(ref, k) for k in fields], ref
    assert ours.nloc == cli.nloc
    assert {f.name for f in ours.functions} - {f.name for f in real} == {"total"}


def test_registry_loads_the_rust_analyzer() -> None:
    assert isinstance(analyzers()["rust"], RustAnalyzer)
    assert analyzers()["rust"].id == "codemesh-rust-1"


# --- ccn ---------------------------------------------------------------------------------------

CCN_CASES = [
    ("if_else_chain", "fn f(a: bool, b: bool) -> u8 { if a { 1 } else if b { 2 } else { 3 } }",
     3),
    ("loops", "fn f(x: bool) { for _ in 0..3 {} while x {} loop { break; } }", 3),
    ("boolean_operators", "fn f(a: bool, b: bool, c: bool) -> bool { a && b || c }", 3),
    ("try_operator", "fn f(x: Option<u8>) -> Option<u8> { let y = x?; Some(y?) }", 3),
    ("where_clause", "fn f<T>(t: T) -> T where T: Copy { t }", 2),
    ("maybe_sized", "fn f<T: ?Sized>(t: &T) {}", 2),
    ("match_arms_after_the_first", "fn f(x: u8) -> u8 { match x { 0 => 1, 1 | 2 => 2, _ => 3 } }",
     3),
    ("match_guard", "fn f(x: u8) -> u8 { match x { n if n > 2 => 1, _ => 0 } }", 3),
    ("let_else", "fn f(x: Option<u8>) -> u8 { let Some(y) = x else { return 0 }; y }", 2),
    ("reference_to_reference_type", "fn f(x: &&str) -> usize { x.len() }", 2),
    ("reference_to_reference_value", "fn f(x: u8) -> u8 { let y = &&x; **y }", 2),
    ("three_ampersands", "fn f(x: &&&u8) {}", 2),
    ("empty_closure_parameters", "fn f() -> u8 { (|| 1)() }", 2),
    ("closure_with_parameters", "fn f() -> u8 { (|a: u8| a)(1) }", 1),
    ("match_in_macro_arguments",
     'fn f(x: u8) { println!("{}", match x { 0 => "a", 1 => "b", _ => "c" }); }', 3),
    ("if_in_macro_arguments", "fn f(a: bool) { assert!(if a { a && true } else { false }); }",
     3),
    ("select_else_branch", "fn f() { tokio::select! { _ = a => {}, else => {} } }", 2),
    ("impl_for_in_a_function", "fn f() { struct A; trait B {} impl B for A {} }", 2),
    ("keywords_in_strings_and_comments",
     'fn f() -> &\'static str { // if a && b\n    "while x || y?" /* for */ }', 1),
]


@pytest.mark.parametrize(("source", "expected"), [c[1:] for c in CCN_CASES],
                         ids=[c[0] for c in CCN_CASES])
def test_ccn_counts_what_lizard_counts(source: str, expected: int) -> None:
    assert lizard_ccn(source)["f"] == expected  # the case says what lizard does
    assert functions(source)["f"].ccn == expected


def test_ccn_of_nested_functions_is_their_own() -> None:
    source = """\
fn outer(a: bool) -> bool {
    fn inner(b: bool, c: bool) -> bool {
        b && c
    }
    if a { inner(a, a) } else { false }
}
"""
    found = functions(source)
    assert found["outer"].ccn == 2
    assert found["outer::inner"].ccn == 2
    assert found["outer::inner"].kind == "function"
    assert lizard_ccn(source) == {"outer": 2, "inner": 2}


def test_closure_bound_to_a_name_is_measured_and_stays_in_its_function() -> None:
    """lizard's functions are `fn` items only: a closure's decisions are its function's. A
    closure bound by `let` is reported too, with its own metrics."""
    source = """\
fn run(xs: &[i32]) -> i32 {
    let pick = |a: i32, b: i32| if a > b && b > 0 { a } else { b };
    xs.iter().fold(0, |acc, x| if *x > 0 { pick(acc, *x) } else { acc })
}
"""
    found = functions(source)
    assert found["run"].ccn == 4  # both closures' `if`, and `&&`
    assert lizard_ccn(source) == {"run": 4}
    pick = found["run::pick"]
    assert (pick.name, pick.kind, pick.ccn, pick.params, pick.start_line) == \
        ("pick", "closure", 3, 2, 2)
    assert len(found) == 2  # the unbound closure is no function of its own


def test_functions_written_in_macros_are_found() -> None:
    """tree-sitter leaves a macro's body as tokens; lizard sees the `fn`s in it."""
    source = """\
cfg_rt! {
    pub fn spawn(a: bool) -> bool {
        if a { true } else { a || false }
    }
}
macro_rules! getters {
    ($($name:ident),*) => {
        impl Config {
            $(pub fn $name(&self) -> bool { self.$name && true })*
            fn check(&self) -> bool { match self.a { 0 => true, _ => false } }
        }
    };
}
"""
    found = functions(source)
    assert found["spawn"].ccn == 3
    assert found["spawn"].start_line == 2
    assert found["Config::check"].ccn == 2
    assert found["Config::check"].kind == "method"
    assert lizard_ccn(source)["spawn"] == 3
    assert lizard_ccn(source)["check"] == 2


def test_macro_items_in_an_impl_are_methods() -> None:
    source = "impl Runtime {\n    cfg_rt! {\n        pub fn block_on(&self) {}\n    }\n}\n"
    function = only(source)
    assert (function.qualified_name, function.kind) == ("Runtime::block_on", "method")


# --- cognitive complexity (SonarSource's specification) ----------------------------------------


def test_cognitive_sum_of_primes() -> None:
    source = """\
fn sum_of_primes(max: u32) -> u32 {
    let mut total = 0;
    'outer: for i in 1..=max {      // +1
        for j in 2..i {             // +2 (nesting 1)
            if i % j == 0 {         // +3 (nesting 2)
                continue 'outer;    // +1
            }
        }
        total += i;
    }
    total
}
"""
    function = only(source)
    assert function.cognitive == 7
    assert function.max_nesting == 3


def test_cognitive_get_words_match() -> None:
    source = """\
fn get_words(number: u32) -> &'static str {
    match number {              // +1
        1 => "one",
        2 => "a couple",
        3 => "a few",
        _ => "lots",
    }
}
"""
    assert only(source).cognitive == 1


def test_cognitive_if_else_if_else_chain_nested() -> None:
    source = """\
fn f(a: bool, b: bool, c: bool) -> u8 {
    if a {                      // +1
        if b {                  // +2 (nesting 1)
            1
        } else if c {           // +1
            2
        } else {                // +1
            3
        }
    } else {                    // +1
        4
    }
}
"""
    assert only(source).cognitive == 6


def test_cognitive_boolean_operator_sequences() -> None:
    assert only("fn f(a: bool, b: bool, c: bool, d: bool) -> bool { a && b && c || d }"
                ).cognitive == 2
    assert only("fn f(a: bool, b: bool, c: bool) -> bool { a && b && c }").cognitive == 1
    # a parenthesised group is a run of its own: `a && (...) && d` 1, `b || c` 1
    assert only("fn f(a: bool, b: bool, c: bool, d: bool) -> bool { a && (b || c) && d }"
                ).cognitive == 2
    assert only("fn f(a: bool, b: bool) -> bool { if a == b && a { true } else { false } }"
                ).cognitive == 3


def test_cognitive_loops_let_else_and_labelled_jumps() -> None:
    source = """\
fn f(x: Option<u8>) -> u8 {
    let Some(y) = x else { return 0 };  // +1
    'a: loop {                          // +1
        while y > 0 {                   // +2 (nesting 1)
            break 'a;                   // +1
        }
        break;
    }
    y
}
"""
    assert only(source).cognitive == 5


def test_cognitive_closures_nest_what_is_in_them() -> None:
    source = """\
fn f(xs: &[u8]) -> usize {
    xs.iter().filter(|x| if **x > 0 { true } else { false }).count()
}
"""
    function = only(source)
    assert function.cognitive == 3  # `if` +2 (nested in the closure), `else` +1
    assert function.max_nesting == 2  # the closure, the `if`


# --- names, kinds, parameters ------------------------------------------------------------------


def test_kinds_and_qualified_names() -> None:
    source = """\
mod outer {
    pub struct Stack(Vec<u8>);
    impl<T: Clone> Stack {
        pub fn new() -> Self { Stack(Vec::new()) }
        pub(crate) async fn push(&mut self, x: u8) { self.0.push(x) }
        fn helper(a: u8, b: u8) -> u8 { a + b }
    }
    trait Peek { fn peek(&self) -> Option<&u8> { None } }
    impl<'a> Peek for &'a Stack {}
    pub fn free() {}
}
"""
    found = {f.qualified_name: (f.name, f.kind, f.params) for f in analyze(source).functions}
    assert found == {
        "outer::Stack::new": ("new", "constructor", 0),
        "outer::Stack::push": ("push", "method", 2),
        "outer::Stack::helper": ("helper", "method", 2),
        "outer::Peek::peek": ("peek", "method", 1),
        "outer::free": ("free", "function", 0),
    }


def test_start_line_is_the_line_of_fn() -> None:
    source = "#[inline]\npub\nasync\nfn late() {}\n"
    function = only(source)
    assert (function.start_line, function.end_line) == (4, 4)


def test_long_name_shows_parameters_as_written() -> None:
    function = only("fn f(&self,\n      x: &[u8]) -> bool { true }")
    assert function.long_name == "f(&self, x: &[u8])"


def test_nloc_and_lines() -> None:
    source = """\
// a comment

/// documentation,
/// two lines
fn f(
    a: u8, // trailing
) -> u8 {
    /* block
       comment */
    let s = "multi
line";
    a
}
"""
    result = analyze(source)
    function = result.functions[0]
    assert function.nloc == 7  # 5-7, the string's two lines, 12, 13
    assert (result.lines, result.blank, result.comments, result.nloc) == (13, 1, 6, 7)
    assert lizard.analyze(source.encode(), "rust", "x.rs").functions[0].nloc == 7


# --- Halstead ----------------------------------------------------------------------------------


def test_halstead_operands_and_operators() -> None:
    halstead = only("fn add(a: i32) -> i32 { a + 1 }").halstead
    # operands: add, a, i32, i32, a, 1; operators: + (brackets, `:`, `->`, `fn` are not)
    assert (halstead.n1, halstead.N1, halstead.n2, halstead.N2) == (1, 1, 4, 6)
    halstead = only('fn s(mut x: bool) -> &\'static str { if !x { "a" } else { "b" } }').halstead
    # operators: mut & if ! else (not the lifetime's quote); operands: s x bool static str x
    # "a" "b", the lifetime's name an identifier
    assert (halstead.n1, halstead.N1, halstead.n2, halstead.N2) == (5, 5, 7, 8)


# --- classes -----------------------------------------------------------------------------------


def test_classes() -> None:
    source = """\
pub struct Point { pub x: f64, pub(crate) y: f64, z: f64 }
struct Pair(pub u8, String);
pub enum Shape { Circle(f64), Square { side: f64 }, Empty }
union Bits { i: u32, f: f32 }
pub trait Draw: fmt::Debug + Clone {
    const SIDES: u8;
    fn draw(&self);
    fn area(&self) -> f64 { 0.0 }
    fn make() -> Self;
}
impl Point {
    pub fn new(x: f64) -> Self { Point { x, y: 0.0, z: 0.0 } }
    pub(crate) fn norm(&self) -> f64 { self.x }
    fn secret(&mut self) {}
    const ORIGIN: f64 = 0.0;
}
impl<T> Draw for Wrapper<T> where T: Clone { fn draw(&self) {} }
impl !Send for Bits {}
"""
    found = {(c.name, c.kind): c for c in analyze(source).classes}
    assert list(found) == [("Point", "struct"), ("Pair", "struct"), ("Shape", "enum"),
                           ("Bits", "union"), ("Draw", "trait"), ("Point", "impl"),
                           ("Wrapper", "impl"), ("Bits", "impl")]
    point = found["Point", "struct"]
    assert [(f.name, f.visibility) for f in point.fields] == \
        [("x", "public"), ("y", "internal"), ("z", "private")]
    assert [(f.name, f.visibility) for f in found["Pair", "struct"].fields] == \
        [("0", "public"), ("1", "private")]
    assert [f.name for f in found["Shape", "enum"].fields] == ["Circle", "Square", "Empty"]
    assert [f.name for f in found["Bits", "union"].fields] == ["i", "f"]
    draw = found["Draw", "trait"]
    assert draw.bases == ["fmt::Debug", "Clone"]
    assert [(m.name, m.static, m.visibility) for m in draw.methods] == \
        [("draw", False, "public"), ("area", False, "public"), ("make", True, "public")]
    assert [(f.name, f.static) for f in draw.fields] == [("SIDES", True)]
    impl = found["Point", "impl"]
    assert impl.bases == []
    assert [(m.name, m.visibility, m.static, m.constructor) for m in impl.methods] == [
        ("new", "public", True, True), ("norm", "internal", False, False),
        ("secret", "private", False, False)]
    assert [f.name for f in impl.fields] == ["ORIGIN"]
    assert found["Wrapper", "impl"].bases == ["Draw"]
    assert found["Wrapper", "impl"].methods[0].visibility == "public"
    assert found["Bits", "impl"].bases == ["!Send"]
    assert (point.start_line, point.end_line) == (1, 1)
    assert (draw.start_line, draw.end_line) == (5, 10)


def test_classes_inside_macros_are_found() -> None:
    source = "cfg_net! {\n    pub struct Socket { fd: i32 }\n}\n"
    (socket,) = analyze(source).classes
    assert (socket.name, socket.kind, [f.name for f in socket.fields]) == \
        ("Socket", "struct", ["fd"])


# --- imports -----------------------------------------------------------------------------------


def imports(source: str) -> list[tuple[str, list[str], str, int]]:
    return [(i.module, i.names, i.kind, i.line) for i in analyze(source).imports]


def test_use_trees_expand_into_module_and_names() -> None:
    source = """\
use std::collections::HashMap;
use std::{fmt, io::{self, Read as R}, sync::*};
use serde;
use ::log::warn;
"""
    assert imports(source) == [
        ("std::collections", ["HashMap"], "static", 1),
        ("std", ["fmt"], "static", 2),
        ("std::io", ["self", "Read"], "static", 2),
        ("std::sync", ["*"], "static", 2),
        ("serde", [], "static", 3),
        ("::log", ["warn"], "static", 4),
    ]


def test_relative_imports() -> None:
    source = "use crate::a::B;\nuse super::*;\nuse self::c::{d, e};\n"
    assert imports(source) == [
        ("crate::a", ["B"], "relative", 1),
        ("super", ["*"], "relative", 2),
        ("self::c", ["d", "e"], "relative", 3),
    ]


def test_extern_crates_and_module_declarations() -> None:
    source = "extern crate alloc;\nextern crate serde as s;\nmod parser;\nmod inline { }\n"
    assert imports(source) == [
        ("alloc", [], "static", 1),
        ("serde", [], "static", 2),
        ("parser", [], "static", 3),
    ]


def test_conditional_imports() -> None:
    source = """\
#[cfg(unix)]
use std::os::unix::io::RawFd;
#[cfg(test)]
mod tests {
    use super::*;
}
#[cfg(feature = "rt")]
mod runtime;
cfg_net! {
    use crate::net::TcpStream;
}
#[derive(Debug)]
struct A;
use std::fmt;
#[cfg_attr(test, allow(unused))]
use std::io;
"""
    assert imports(source) == [
        ("std::os::unix::io", ["RawFd"], "conditional", 2),
        ("super", ["*"], "conditional", 5),
        ("runtime", [], "conditional", 8),
        ("crate::net", ["TcpStream"], "conditional", 10),
        ("std", ["fmt"], "static", 14),
        ("std", ["io"], "static", 16),
    ]


def test_import_models_are_valid() -> None:
    assert all(isinstance(i, ImportInfo) for i in analyze("use a::b;").imports)


# --- bad input ---------------------------------------------------------------------------------


def test_syntax_errors_mark_the_file_partial_and_keep_measuring() -> None:
    source = """\
fn good(a: bool) -> u8 {
    if a { 1 } else { 2 }
}

fn broken( {
    let x = ;
}

fn after(b: bool) -> bool { b || !b }
"""
    result = analyze(source)
    assert result.partial
    assert result.parse_errors and all(5 <= line <= 7 for line in result.parse_errors)
    found = {f.name: f for f in result.functions}
    assert found["good"].ccn == 2
    assert found["after"].ccn == 2
    assert result.ast.error_nodes == len(result.parse_errors)


def test_empty_file() -> None:
    result = analyze(b"")
    assert (result.functions, result.classes, result.imports) == ([], [], [])
    assert (result.nloc, result.lines, result.partial, result.mi) == (0, 0, False, 100.0)


def test_non_utf8_bytes() -> None:
    data = (b'fn f\xe9() -> u8 {\n    let s = "caf\xe9\xff";\n'
            b"    if s.is_empty() { 1 } else { 2 }\n}\n")
    result = analyze(data)
    assert result.error is None
    (function,) = result.functions
    assert function.ccn == 2
    assert function.name.startswith("f")


def test_deep_nesting_is_measured_or_reported() -> None:
    depth = 3000
    data = ("fn f() {" + "{" * depth + "}" * depth + "}\n").encode()
    result = analyze(data)
    assert result.error is not None or result.functions[0].name == "f"


def test_long_chains_and_deep_nesting_stay_linear() -> None:
    """A node's parent costs tree-sitter a walk from the root: hooks that asked for it per node
    took half a minute on this file instead of half a second."""
    start = time.process_time()
    chain = only("fn f(a: bool) -> bool { " + " && ".join(["a"] * 40000) + " }\n")
    nested = only("fn g(a: bool) {\n" + "if a {\n" * 2000 + "}\n" * 2000 + "}\n")
    assert (chain.ccn, chain.cognitive) == (40000, 1)
    assert (nested.ccn, nested.max_nesting) == (2001, 2000)
    assert time.process_time() - start < 5


def test_file_totals() -> None:
    result = analyze(RUST)
    assert result.halstead.N1 > 0 and result.halstead.N2 > 0
    assert sum(f.halstead.N2 for f in result.functions) <= result.halstead.N2
    assert 0 < result.mi < 100
    assert result.ast.node_types["function_item"] == 5
