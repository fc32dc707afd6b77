"""The JavaScript analyzer: agreement with lizard on real code and on the samples, lizard's
token rules one by one, the differences docs/languages/javascript.md documents (each asserted on
both sides, so a change in lizard or in us shows), and our own metrics, kinds, names, classes and
imports on small snippets."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from lizard_oracle import lizard_cli
from lizard_traced import compare_corpus, match, traced_lizard
from samples import ES_MODULE, JAVASCRIPT, JSX, MIN_FUNCTIONS

from mesh.models import FileAnalysis, FunctionMetrics, ImportInfo
from worker import analysis as lizard
from worker.analyzers.javascript import JavaScriptAnalyzer
from worker.analyzers.registry import analyzers

CORPORA = Path(os.environ.get("CODEMESH_CORPORA", Path.home() / ".cache/codemesh-corpora"))

ANALYZER = JavaScriptAnalyzer()


def analyze(source: str | bytes, name: str = "x.js") -> FileAnalysis:
    return ANALYZER.analyze(source.encode() if isinstance(source, str) else source, name)


def functions(source: str, name: str = "x.js") -> dict[str, FunctionMetrics]:
    return {f.name: f for f in analyze(source, name).functions}


def only(source: str) -> FunctionMetrics:
    (function,) = analyze(source).functions
    return function


def lizard_ccn(source: str, name: str = "x.js") -> dict[str, int]:
    result = lizard.analyze(source.encode(), "javascript", name)
    assert result.error is None
    return {f.name: f.ccn for f in result.functions}


def corpus(language: str, name: str) -> Path:
    found = sorted(p for p in (CORPORA / language).glob(f"{name}-[0-9]*")
                   if (p / ".complete").exists())
    if not found:
        pytest.skip(f"corpus {name} not fetched: bash ../shared/corpora/get.sh {language}")
    return found[-1]


# --- agreement with lizard on real code ---------------------------------------------------------

# Measured ccn agreement over every function lizard reports (issue #4's measure; the numbers are
# in docs/languages/javascript.md). Where it is below 0.98, every difference is one of lizard's
# misreadings of the code: `soundness` (below) proves it by finding no difference at all where
# lizard delimits a function as the syntax tree does.
JS_CORPORA = {"node-express": 0.999, "axios": 0.955, "commander": 0.975, "lodash": 0.94}


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(JS_CORPORA))
def test_corpus_ccn_agrees_with_lizard(name: str) -> None:
    run = compare_corpus(corpus("javascript", name), "javascript")
    agreement, soundness = run.agreement, run.soundness
    assert agreement.lizard > 200  # the corpus was really read
    assert not run.lizard_failed
    # every function lizard delimits as we do has lizard's ccn
    assert soundness.ratio >= 0.98, soundness.mismatches[:20]
    assert soundness.ccn_equal == soundness.sound, soundness.mismatches[:20]
    # and that is most functions, so the statement above is not vacuous
    assert soundness.sound >= 0.85 * soundness.lizard, soundness.unsound
    # over all of lizard's functions, what lizard's misreadings leave
    assert agreement.ratio >= JS_CORPORA[name], (soundness.differences,
                                                 agreement.mismatches[:20])


@pytest.mark.parametrize(("name", "source"), [("cart.js", JAVASCRIPT), ("pick.mjs", ES_MODULE),
                                              ("ItemList.jsx", JSX)])
def test_samples_agree_with_lizard_cli(tmp_path: Path, name: str, source: str) -> None:
    path = tmp_path / name
    path.write_text(source)
    cli = lizard_cli(path)
    ours = analyzers()["javascript"].analyze(source.encode(), name)
    assert len(cli.functions) >= MIN_FUNCTIONS[name]
    assert ours.nloc == cli.nloc
    pairs = match(ours.functions, cli.functions)
    assert None not in pairs
    assert [ours.functions[i].ccn for i in pairs if i is not None] == \
        [f.ccn for f in cli.functions]
    assert [ours.functions[i].name for i in pairs if i is not None] == \
        [f.name for f in cli.functions]


def test_the_traced_oracle_is_lizard() -> None:
    """`traced_lizard` only watches lizard's reader: same functions as `worker.analysis`."""
    for name, source in (("cart.js", JAVASCRIPT), ("ItemList.jsx", JSX),
                         ("first.js", "function first(xs, x) {\n  check(xs[0]);\n"
                                      "  return x ? xs[0] : null;\n}\n")):
        traced = traced_lizard(source.encode(), "javascript", name)
        assert traced is not None
        assert traced.functions == lizard.analyze(source.encode(), "javascript", name).functions


# --- lizard's token rules, each on both sides ---------------------------------------------------

@pytest.mark.parametrize(("source", "ccn"), [
    ("function f(a) { return a ? 1 : 2; }", 2),
    ("function f(a) { return a?1:2; }", 1),  # `a?` is one token to lizard
    ("function f(a) { return (a)?1:2; }", 2),
    ("function f(a) { return $a?1:2; }", 2),  # `$a` cannot take the `?`
    ("function f(a) { return a?.b ?? c; }", 2),  # `?.` is not a decision, `??` is
    ("function f(a) { a ||= 1; a &&= 2; a ??= 3; }", 4),
    ("function f(p) { return p.then(g).catch(h); }", 2),  # `catch` as a property name
    ("function f() { return { case: 1, if: 2 }; }", 3),
    ("function f(a = 1, { b = 2 } = {}) {}", 4),  # every default of a binding
    ("function f(o) { const { a = 1, b: [c = 2] } = o; }", 3),
    ("function f(a) { return `${a ? 1 : 2} ${a && a}`; }", 1),  # a template is one token
    ("function f(s) { return /^(a)?b+?$/.test(s); }", 3),  # after `return`: not a regex
    ("function f(s) { return s.match(/^(a)?b+?$/); }", 1),  # after `(`: a regex
    ("function f(a) { for (;;) {} while (a) {} do {} while (a); }", 4),
    ("function f(a) { try { g(); } catch (e) {} switch (a) { case 1: case 2: default: } }", 4),
    ("function f(a) { if (a) {} else if (a) {} else {} }", 3),
])
def test_decisions_are_lizards(source: str, ccn: int) -> None:
    assert only(source).ccn == ccn
    assert lizard_ccn(source) == {"f": ccn}


def test_decisions_of_a_nested_function_are_its_own() -> None:
    source = ("function outer(a) {\n  if (a) {}\n  const inner = (b) => b ? 1 : 2;\n"
              "  return [1].map(function (c) { return c || a; });\n}\n")
    found = functions(source)
    assert (found["outer"].ccn, found["inner"].ccn, found["(anonymous)"].ccn) == (2, 2, 2)
    assert lizard_ccn(source) == {"outer": 2, "inner": 2, "(anonymous)": 2}


# --- documented differences: lizard's misreadings, which we do not repeat -----------------------

@pytest.mark.parametrize(("source", "ours", "theirs"), [
    # lizard ends `f` at the `)` of a call whose arguments hold a subscript
    ("function f(x) {\n  g(y[0]);\n  return x ? 1 : 2;\n}\n", 2, 1),
    # `name = (` starts an arrow function to lizard; none comes, and it drops it with its decisions
    ("function f(a, b) {\n  const n = (a || b) ? 1 : 2;\n  return n;\n}\n", 3, 1),
    # lizard ends an arrow function's expression body at the start of the next line
    ("const f = (a) =>\n  a ? 1 : 2;\n", 2, 1),
])
def test_documented_differences(source: str, ours: int, theirs: int) -> None:
    mine = analyze(source).functions[-1]
    traced = traced_lizard(source.encode(), "javascript", "x.js")
    assert traced is not None
    their = next(f for f in traced.functions if f.name == mine.name)
    assert (mine.ccn, their.ccn) == (ours, theirs)


# --- cognitive complexity (SonarSource's specification) -----------------------------------------

SUM_OF_PRIMES = """\
function sumOfPrimes(max) {
  let total = 0;
  OUT: for (let i = 1; i <= max; ++i) {  // +1
    for (let j = 2; j < i; ++j) {         // +2
      if (i % j === 0) {                  // +3
        continue OUT;                     // +1
      }
    }
    total += i;
  }
  return total;
}
"""

GET_WORDS = """\
function getWords(number) {
  switch (number) {  // +1
    case 1:
      return "one";
    case 2:
      return "a couple";
    case 3:
      return "a few";
    default:
      return "lots";
  }
}
"""


def test_cognitive_spec_examples() -> None:
    assert only(SUM_OF_PRIMES).cognitive == 7
    assert only(GET_WORDS).cognitive == 1
    assert only(GET_WORDS).ccn == 4  # while cyclomatic complexity counts every case


def test_cognitive_if_else_chain_and_nesting() -> None:
    source = """\
function grade(x) {
  if (x > 0) {                 // +1
    if (x > 10) {              // +2 (nesting 1)
      return 1;
    } else if (x > 5) {        // +1
      return 2;
    } else {                   // +1
      return x ? 3 : 4;        // +3 (nesting 2)
    }
  }
  return 0;
}
"""
    function = only(source)
    assert function.cognitive == 8
    assert function.max_nesting == 3


@pytest.mark.parametrize(("expression", "cognitive"), [
    ("a && b && c || d", 2),
    ("a && b", 1),
    ("a || b && c || d", 3),
    ("(a && b) && c", 2),  # parentheses end a sequence
    ("a ?? b ?? c", 1),
    ("a + b", 0),
])
def test_cognitive_boolean_sequences(expression: str, cognitive: int) -> None:
    assert only(f"function f(a, b, c, d) {{ return {expression}; }}").cognitive == cognitive


def test_cognitive_loops_catch_and_labels() -> None:
    source = """\
function f(items) {
  for (const item of items) {        // +1
    try {
      while (item.next()) {          // +2
        do { break; } while (item);  // +3 (an unlabelled break is free)
      }
    } catch (e) {                    // +2
      continue;
    }
  }
}
"""
    assert only(source).cognitive == 8


def test_nested_function_is_measured_on_its_own() -> None:
    source = "function f(a) {\n  if (a) {\n    return () => { if (a) { return 1; } };\n  }\n}\n"
    found = functions(source)
    assert found["f"].cognitive == 1
    assert found["(anonymous)"].cognitive == 1  # its nesting starts afresh


# --- kinds, names, parameters -------------------------------------------------------------------

def test_kinds_names_and_qualified_names() -> None:
    source = """\
function top(a, b) {
  function inner() {}
  return inner;
}
const arrow = (x) => x;
exports.handler = function (req, res, next) {};
class Cart extends Base {
  constructor(items) { super(); }
  get total() { return 0; }
  static from(text) {}
  #secret() {}
  *[Symbol.iterator]() {}
  onClick = (event) => {};
}
const formatter = {
  format(amount) {},
  parse: function (text) {},
  check: (value) => value,
};
items.forEach((item) => item);
"""
    found = functions(source)
    expected = {
        "top": ("function", "top", 2),
        "inner": ("closure", "top.inner", 0),
        "arrow": ("lambda", "arrow", 1),
        "exports.handler": ("function", "exports.handler", 3),
        "constructor": ("constructor", "Cart.constructor", 1),
        "get total": ("method", "Cart.get total", 0),
        "from": ("method", "Cart.from", 1),
        "#secret": ("method", "Cart.#secret", 0),
        "symbol.iterator": ("method", "Cart.symbol.iterator", 0),
        "onClick": ("method", "Cart.onClick", 1),
        "format": ("method", "formatter.format", 1),
        "parse": ("method", "formatter.parse", 1),
        "check": ("method", "formatter.check", 1),
        "(anonymous)": ("closure", "(anonymous)", 1),
    }
    assert {name: (f.kind, f.qualified_name, f.params) for name, f in found.items()} == expected
    # the names lizard gives, so functions sharing a line are told apart
    assert set(lizard_ccn(source)) == set(expected)


def test_start_lines_are_lizards() -> None:
    """lizard starts a function at its parameter list's `(`; a callback arrow function at the
    first token of its body."""
    source = ("function\nf\n(a) {}\nconst g = (b) =>\n  b;\nh(c =>\n  c);\n"
              "const o = { m\n(d) {} };\n")
    ours = [(f.name, f.start_line) for f in analyze(source).functions]
    theirs = [(f.name, f.start_line) for f in lizard.analyze(source.encode(), "javascript",
                                                             "x.js").functions]
    assert sorted(ours) == sorted(theirs) == sorted([("f", 3), ("g", 4), ("(anonymous)", 7),
                                                     ("m", 9)])


def test_anonymous_functions_take_the_name_they_are_bound_to() -> None:
    source = """\
var iife = (function () { return 1; })();
var picked = cond ? null : function () {};
module.exports.run = async function () {};
var named = function realName() {};
"""
    assert [f.name for f in analyze(source).functions] == ["iife", "picked", "module.exports.run",
                                                         "realName"]


# --- classes and imports ------------------------------------------------------------------------

def test_classes() -> None:
    source = """\
class Shape extends mixin(Base) {
  static count = 0;
  #id = 1;
  name;
  constructor(name) { super(); this.name = name; }
  static create() {}
  get area() { return 0; }
  #hidden() {}
}
const Square = class extends Shape {};
"""
    shape, square = analyze(source).classes
    assert (shape.name, shape.kind, shape.bases, shape.start_line, shape.end_line) == \
        ("Shape", "class", ["mixin(Base)"], 1, 9)
    assert [(m.name, m.static, m.constructor, m.visibility) for m in shape.methods] == [
        ("constructor", False, True, ""), ("create", True, False, ""),
        ("area", False, False, ""), ("#hidden", False, False, "private")]
    assert [(f.name, f.static, f.visibility) for f in shape.fields] == [
        ("count", True, ""), ("#id", False, "private"), ("name", False, "")]
    assert (square.name, square.bases, square.methods) == ("Square", ["Shape"], [])


def test_imports_of_every_kind() -> None:
    source = """\
import fs from 'fs';
import * as path from 'path';
import React, { useState as useLocalState } from 'react';
import './polyfill';
export { helper } from './helper';
export * from 'events';
const { readFile, writeFile: write } = require('fs/promises');
const lodash = require('lodash');
if (process.env.DEBUG) { require('debug'); }
try { require('optional'); } catch (e) {}
const fallback = global.fetch || require('node-fetch');
function lazy() { return require('./lazy'); }
const later = import('./chunk');
require(computed);
"""
    assert analyze(source).imports == [
        ImportInfo(module="fs", names=["fs"], kind="static", line=1),
        ImportInfo(module="path", names=["*"], kind="static", line=2),
        ImportInfo(module="react", names=["React", "useState"], kind="static", line=3),
        ImportInfo(module="./polyfill", kind="relative", line=4),
        ImportInfo(module="./helper", names=["helper"], kind="relative", line=5),
        ImportInfo(module="events", names=["*"], kind="static", line=6),
        ImportInfo(module="fs/promises", names=["readFile", "writeFile"], kind="static", line=7),
        ImportInfo(module="lodash", kind="static", line=8),
        ImportInfo(module="debug", kind="conditional", line=9),
        ImportInfo(module="optional", kind="conditional", line=10),
        ImportInfo(module="node-fetch", kind="conditional", line=11),
        ImportInfo(module="./lazy", kind="dynamic", line=12),
        ImportInfo(module="./chunk", kind="dynamic", line=13),
    ]


# --- file metrics and bad input -----------------------------------------------------------------

def test_halstead_of_a_small_function() -> None:
    function = only("function add(a, b) {\n  return a + b;\n}\n")
    # operators: return + (punctuation and `function` are not); operands: add a b a b
    halstead = function.halstead
    assert (halstead.n1, halstead.N1, halstead.n2, halstead.N2) == (2, 2, 3, 5)


def test_file_metrics() -> None:
    source = "#!/usr/bin/env node\n// a comment\n\nconst a = 1; /* two\nlines */\n"
    result = analyze(source)
    # the `#!` line is code to lizard (no operand or operator though)
    assert (result.lines, result.sloc, result.comments, result.blank) == (5, 2, 3, 1)
    assert result.nloc == lizard.analyze(source.encode(), "javascript", "x.js").nloc
    assert (result.halstead.N1, result.halstead.N2) == (2, 2)  # const = ; a 1
    assert 0 < result.mi <= 100


def test_syntax_errors_mark_the_file_partial_and_measure_it() -> None:
    result = analyze("function f(a) {\n  if (a) { return 1;\n}\n"
                     "function g(b) { return b ? 1 : 2; }\n")
    assert result.partial
    assert result.parse_errors == [4]
    assert [(f.name, f.ccn) for f in result.functions] == [("f", 2), ("g", 2)]


def test_empty_file() -> None:
    result = analyze("")
    assert (result.nloc, result.functions, result.partial, result.mi) == (0, [], False, 100.0)


def test_non_utf8_bytes_are_measured() -> None:
    result = analyze(b"function f(a) {\n  return a === '\xff\xfe' || a;\n}\n")
    assert result.error is None
    assert [(f.name, f.ccn) for f in result.functions] == [("f", 2)]


def test_jsx_in_a_js_file() -> None:
    source = ("export function List({ items }) {\n  return <ul>{items.map((i) =>\n"
              "    <li key={i.id}>{i.done ? 'x' : i.name}</li>)}</ul>;\n}\n")
    result = analyze(source)
    assert not result.partial
    assert [(f.name, f.ccn, f.start_line) for f in result.functions] == [("List", 1, 1),
                                                                        ("(anonymous)", 2, 3)]


@pytest.mark.slow
def test_minified_five_megabytes_on_one_line() -> None:
    """Bundler output: one line of 5 MB must be analyzed in a sane time, every function found."""
    unit = ("function f{n}(a,b){{var c=a?b:a||b;for(var d=0;d<c.length;d++)if(c[d]===b)"
            "return d;return c.map(function(e){{return e&&e.v}})}}")
    data = ";".join(unit.format(n=n) for n in range(40_000)).encode()
    assert len(data) > 5_000_000 and b"\n" not in data
    started = time.perf_counter()
    result = analyze(data, "bundle.js")
    elapsed = time.perf_counter() - started
    assert len(result.functions) == 80_000
    assert not result.partial
    # `||`, `for`, `if` (minified `a?b:c` is the token `a?` to lizard), and `&&` in the callback
    assert {f.ccn for f in result.functions} == {4, 2}
    assert elapsed < 120, elapsed  # about 15 s on one core of the development machine
