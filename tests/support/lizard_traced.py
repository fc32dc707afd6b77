"""lizard's functions for one file, with what its reader did that our analyzers do not repeat.

lizard's readers for JavaScript and TypeScript are token state machines, not parsers. On some
code they guess a function that is not there and then drop it ("forgive" it), taking the
decisions they counted for it along (`n = (a || b) ? x : y` loses `||` and `?`); they end a
function at a bracket that is not its end (`foo(a[i]);` ends the function around it); they end
an arrow function's expression body at the next line. Our analyzers measure the functions of
the syntax tree instead. To tell a difference in counting from a difference in what lizard took
for a function, this module runs lizard's reader with a context that records the guesses it
dropped and the bracket each function ended at, and `Soundness` compares ccn only where lizard's
function is the same as ours: same start and end line, the same functions (by lines) nested in
it, no dropped guess inside it, ended at its own bracket. docs/languages/javascript.md shows
each of these with an example.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lizard_compare import Agreement
from lizard_core.analysis import analyze_file
from lizard_core.file_info_builder import FileInfoBuilder
from lizard_languages import CLikeReader, get_reader_for

from mesh.models import FunctionMetrics, Language
from mesh.walk import walk
from worker.analysis import decode_like_lizard, lizard_filename
from worker.analyzers.registry import analyzers


class _TracingBuilder(FileInfoBuilder):  # type: ignore[misc]
    """lizard's file context, noting each function that had decisions taken by a dropped guess,
    and the lines each function may end on (see `Traced.ends`)."""

    def __init__(self, filename: str) -> None:
        super().__init__(filename)
        self.lossy: set[int] = set()
        self.ends: dict[int, frozenset[int]] = {}
        self.token = ""  # the token the reader is at
        self.line_before = 0  # the line of the token before it
        self._line = 0
        self.depth = self.depth_before = 0  # bracket depth after and before the token
        self.start_depth: dict[int, int] = {}
        self.misread: set[int] = set()

    def note(self, token: str) -> None:
        self.line_before, self._line = self._line, self.current_line
        self.token = token
        self.depth_before = self.depth
        if token in _OPENING:
            self.depth += 1
        elif token in _CLOSING:
            self.depth -= 1

    def push_new_function(self, name: str) -> None:
        super().push_new_function(name)
        self.start_depth[id(self.current_function)] = self.depth_before

    def end_of_function(self) -> None:
        function = self.current_function
        if self.forgive and function.cyclomatic_complexity > 1 and self.stacked_functions:
            self.lossy.add(id(self.stacked_functions[-1]))
        start = self.start_depth.get(id(function))
        if start is not None and not self.forgive:
            # a function ends at its own `}`, at the bracket that closes what holds it (a
            # callback), or at a token at its own depth (`;`, the next line); anything else
            # means lizard's reader lost track of the brackets inside it
            if self.token in _CLOSING:
                if not (self.depth == start - 1 or (self.token == "}" and self.depth == start)):
                    self.misread.add(id(function))
            elif self.depth_before != start:
                self.misread.add(id(function))
        if self.newline and self.line_before:
            # ended by the first token of a line: a closing bracket may be the function's own
            # (`}`) or its caller's (`)` after a callback); any other token is not the function's
            ends = {self.line_before}
            if self.token in ("}", ")", "]"):
                ends.add(self.current_line)
            self.ends[id(function)] = frozenset(ends)
        else:
            self.ends[id(function)] = frozenset({self.current_line})
        super().end_of_function()


_OPENING = frozenset({"(", "[", "{", "${"})
_CLOSING = frozenset({")", "]", "}"})


def _noting(tokens: Iterator[str], reader: Any) -> Iterator[str]:
    """A token processor, last before the reader: tells the context which token it is at."""
    context = reader.context
    for token in tokens:
        context.note(token)
        yield token


@dataclass
class Traced:
    functions: list[FunctionMetrics]
    lossy: list[bool]  # per function: a dropped guess inside it took some of its decisions
    misread: list[bool]  # per function: lizard ended it at a bracket that is not its end
    # per function, the end lines that mean "the same end as ours": lizard ends an arrow
    # function's expression body when it reads the first token of the next line
    ends: list[frozenset[int]]


def traced_lizard(data: bytes, language: Language, name: str) -> Traced | None:
    """lizard's functions for a file, as `worker.analysis.analyze` gives them; None where
    lizard raises (the file is then left out of the comparison)."""
    filename = lizard_filename(name, language)
    context = _TracingBuilder(filename)
    reader = (get_reader_for(filename) or CLikeReader)(context)
    try:
        tokens = reader.generate_tokens(decode_like_lizard(data))
        for processor in [*analyze_file.processors, _noting]:
            tokens = processor(tokens, reader)
        for _ in reader(tokens, reader):
            pass
    except Exception:  # lizard's own failure: nothing to compare with
        return None
    found = context.fileinfo.function_list
    return Traced(
        functions=[FunctionMetrics(name=fn.name, long_name=fn.long_name,
                                   start_line=fn.start_line, end_line=fn.end_line, nloc=fn.nloc,
                                   ccn=fn.cyclomatic_complexity, params=fn.parameter_count,
                                   tokens=fn.token_count) for fn in found],
        lossy=[id(fn) in context.lossy for fn in found],
        misread=[id(fn) in context.misread for fn in found],
        ends=[context.ends.get(id(fn), frozenset({fn.end_line})) for fn in found])


def _nested(functions: Sequence[FunctionMetrics]) -> list[list[int]]:
    """For each function, the indices of the other functions within its lines."""
    spans = sorted((f.start_line, -f.end_line, i) for i, f in enumerate(functions))
    nested: list[list[int]] = [[] for _ in functions]
    for position, (_, negative_end, index) in enumerate(spans):
        end = -negative_end
        for other_start, other_negative_end, other in spans[position + 1:]:
            if other_start > end:
                break
            if -other_negative_end <= end:
                nested[index].append(other)
    return nested


def _same_spans(ours: list[FunctionMetrics],
                theirs: list[tuple[FunctionMetrics, frozenset[int]]]) -> bool:
    if len(ours) != len(theirs):
        return False
    mine = sorted((f.start_line, f.end_line) for f in ours)
    other = sorted(((f.start_line, ends) for f, ends in theirs), key=lambda t: t[0])
    return all(a[0] == b[0] and a[1] in b[1] for a, b in zip(mine, other, strict=True))


def _as_lizard_names(name: str) -> str:
    """lizard's JavaScript tokenizer splits `encode$1` into `encode` and `$1` and names the
    function after the last token: `$1`."""
    last = name.rsplit(".", 1)[-1]
    cut = last.rfind("$")
    return last[cut:] if cut > 0 else name


def match(ours: Sequence[FunctionMetrics], theirs: Sequence[FunctionMetrics],
          ends: Sequence[frozenset[int]] | None = None) -> list[int | None]:
    """For each of lizard's functions, the index of ours it is: the one starting on the same
    line, by name where several do, by end line (`ends`, see `Traced.ends`) where several have
    the name. Functions alike in all of that (callbacks, minified code) pair up in order: both
    lists are in the order the functions end."""
    by_line: dict[int, list[int]] = {}
    for index, fn in enumerate(ours):
        by_line.setdefault(fn.start_line, []).append(index)
    used: set[int] = set()
    found: list[int | None] = [None] * len(theirs)
    for strict in (True, False):  # first those with a function of ours that ends as theirs
        for position, ref in enumerate(theirs):
            if found[position] is not None:
                continue
            candidates = [i for i in by_line.get(ref.start_line, []) if i not in used]
            named = [i for i in candidates if _as_lizard_names(ours[i].name) == ref.name]
            ending = ends[position] if ends is not None else frozenset({ref.end_line})
            same_end = [i for i in named if ours[i].end_line in ending]
            chosen = same_end if strict else same_end or named or candidates
            if chosen:
                used.add(chosen[0])
                found[position] = chosen[0]
    return found


@dataclass
class Soundness:
    """ccn agreement over all of lizard's functions (`raw_ratio`, matched by line and name as
    `match` does), and restricted to the functions lizard delimited as we do (`ratio`)."""

    lizard: int = 0  # functions lizard reports
    raw_equal: int = 0  # of those, with a function of ours of the same ccn
    sound: int = 0  # lizard functions that are the same function as one of ours
    ccn_equal: int = 0
    unsound: dict[str, int] = field(default_factory=dict)  # why the others are left out
    mismatches: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)  # each left-out function, with why
    # the functions whose ccn differs from ours (or that we lack), by why lizard's differs
    differences: dict[str, int] = field(default_factory=dict)

    def add(self, path: str, ours: Sequence[FunctionMetrics], traced: Traced) -> None:
        theirs = traced.functions
        our_nested = _nested(ours)
        their_nested = _nested(theirs)
        matched = match(ours, theirs, traced.ends)
        for index, (ref, chosen) in enumerate(zip(theirs, matched, strict=True)):
            self.lizard += 1
            mine = ours[chosen] if chosen is not None else None
            if mine is not None and mine.ccn == ref.ccn:
                self.raw_equal += 1
            reason = ""
            if mine is None or chosen is None:
                reason = "no function of ours starts there"
            elif traced.lossy[index]:
                reason = "lizard dropped a guessed function inside it"
            elif traced.misread[index]:
                reason = "lizard ends it at a bracket that is not its end"
            elif mine.end_line not in traced.ends[index]:
                reason = "lizard ends it elsewhere"
            elif not _same_spans([ours[i] for i in our_nested[chosen]],
                                 [(theirs[i], traced.ends[i]) for i in their_nested[index]]):
                reason = "lizard delimits the functions inside it otherwise"
            elif _as_lizard_names(mine.name) != ref.name and ref.name != "(anonymous)":
                reason = "lizard names another function"
            if mine is None or mine.ccn != ref.ccn:
                why = reason or "counted otherwise"
                self.differences[why] = self.differences.get(why, 0) + 1
            if reason:
                self.unsound[reason] = self.unsound.get(reason, 0) + 1
                self.excluded.append(f"{path}:{ref.start_line}-{ref.end_line} {ref.name}: "
                                     f"{reason} (ours: {mine.name if mine else '-'} "
                                     f"{mine.start_line if mine else ''}-"
                                     f"{mine.end_line if mine else ''})")
                continue
            assert mine is not None
            self.sound += 1
            if mine.ccn == ref.ccn:
                self.ccn_equal += 1
            else:
                self.mismatches.append(f"{path}:{ref.start_line} {ref.name}: ccn {mine.ccn} "
                                       f"vs lizard {ref.ccn}")

    @property
    def raw_ratio(self) -> float:
        return self.raw_equal / self.lizard if self.lizard else 1.0

    @property
    def ratio(self) -> float:
        return self.ccn_equal / self.sound if self.sound else 1.0


@dataclass
class CorpusRun:
    agreement: Agreement  # issue #4's measure, over every function lizard reports
    soundness: Soundness
    files: int = 0
    lizard_failed: list[str] = field(default_factory=list)  # files lizard raises on: left out
    partial: int = 0  # files tree-sitter found errors in (measured all the same)


def compare_corpus(root: Path, language: Language) -> CorpusRun:
    """The files of `language` that `codemesh analyze` would hand to its analyzer (the walk
    decides: no `dist/`, no `.min.js`), each through our analyzer and through lizard's reader."""
    analyzer = analyzers()[language]
    run = CorpusRun(Agreement(), Soundness())
    for source in walk(root).files:
        if source.language != language:
            continue
        data = (root / source.path).read_bytes()
        ours = analyzer.analyze(data, source.path)
        assert ours.error is None, ours.error
        run.files += 1
        run.partial += ours.partial
        traced = traced_lizard(data, language, source.path)
        if traced is None:
            run.lizard_failed.append(source.path)
            continue
        run.agreement.add(source.path, ours.functions, traced.functions)
        run.soundness.add(source.path, ours.functions, traced)
    return run
