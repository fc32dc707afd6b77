"""The client's walk of a codebase: which files a job analyzes, their languages and content hashes,
and every file it had to leave out or could not read (so nothing is dropped silently).

It must never read file contents beyond hashing them and, for the names whose language their
content decides (`mesh.languages.needs_content`: `.h`, `.ts`, `.js`, no extension), handing the
first 8 KiB (the hash's first read) and the last 4 KiB to `mesh.languages.classify`; never
follow a directory symlink (so symlink loops cannot loop), never raise for anything a tree can
contain (unreadable, vanished or oddly named entries are reported instead), and never import
ZeroMQ or anything else of the mesh but its models and language tables: it is a pure function of
the file system.

What is left out, checked in this order for every directory entry:
1. directories named in `SKIPPED_DIRS` (vendored code, build outputs, caches), silently;
2. the caller's `excludes`, then `.gitignore` files (at every level, deeper ones first, then the
   root's `.git/info/exclude`), silently, as git itself would;
3. files that are not source of a language in `mesh.models.Language`, silently: by their
   extension, or, without one, because neither a modeline nor a `#!` line names one of ours;
4. files named like source whose content says otherwise (a `.ts` MPEG transport stream or XML
   file, a `.h`/`.ts`/`.js` whose modeline names another language), symlinks, minified and
   too-large files, as `SkippedFile`s; unreadable and binary files and unreadable directories,
   as `FileError`s.

Every `SourceFile` says how its language was decided (`detected_by`). A `.h` that neither a
modeline nor its content decides is classified after the walk by the C and C++ sources of the
tree around it (`mesh.languages.header_language_by_directory`), else stays C.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from pathspec import GitIgnoreSpec

from mesh.languages import (
    CONTENT_HEAD_SIZE,
    CONTENT_TAIL_SIZE,
    classify,
    count_c_family_votes,
    header_language_by_directory,
    language_for_name,
    needs_content,
)
from mesh.models import FileError, SkippedFile, SourceFile

DEFAULT_MAX_FILE_SIZE = 4 * 1024 * 1024
"""Files larger than this (4 MiB) are skipped: hand-written source files are almost never that big
(the largest in the Linux kernel are well under 1 MiB), while generated ones (amalgamations,
bundles, lexer tables, protobuf output) often are, and they cost analysis time without telling a
reader anything about the code people maintain."""

SKIPPED_DIRS: tuple[str, ...] = (
    ".git", ".hg", ".svn",  # version control
    "node_modules", "vendor", "third_party",  # vendored dependencies
    "__pycache__", ".venv", "venv", ".tox", ".mypy_cache",  # Python environments and caches
    "build", "dist", "target", "out", "bazel-*", ".next", "coverage",  # build and test outputs
)
"""Directory names (fnmatch patterns, case-sensitive) never descended into, at any depth: their
contents are someone else's code or generated, and they are often huge. Not applied to the root."""

BINARY_SNIFF_SIZE = 8 * 1024
"""A NUL byte in this many leading bytes marks a file as binary (git's heuristic, same size)."""

SHEBANG_SNIFF_MAX_SIZE = 1024 * 1024
"""An extensionless file that is not executable has its head and tail read (for a `#!` line or a
modeline) only if it is at most this big: scripts committed without their executable bit (e.g.
from Windows) are small, while large extensionless files are data, and opening every one of those
would only cost time."""

_HASH_CHUNK_SIZE = 1024 * 1024
_HEAD_SIZE = max(BINARY_SNIFF_SIZE, CONTENT_HEAD_SIZE)

_Rules = tuple[tuple[str, GitIgnoreSpec], ...]
"""gitignore specs in force in a directory, shallowest first, each with the directory (relative to
the root, "" for the root) its patterns are relative to."""


@dataclass
class WalkResult:
    """What a walk found. `files` is sorted by path, as are `errors` and `skipped`; all paths are
    relative to the root and `/`-separated."""

    files: list[SourceFile] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    blobs: dict[str, Path] = field(default_factory=dict)
    """sha256 hex -> absolute path of one file with that content (the first by path), so a client
    uploads each distinct content once."""


def walk(
    root: Path,
    *,
    excludes: Sequence[str] = (),
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
) -> WalkResult:
    """Find the source files under `root`, hash them, and report what was left out and why.

    `excludes` are patterns with `.gitignore` semantics (pathspec's `GitIgnoreSpec`) matched
    against paths relative to `root`: `*.pb.go` (no slash) matches at any depth; `tests/*` (a slash
    inside) is anchored at the root, so it excludes `tests/a.py` but not `pkg/tests/a.py`, for
    which write `**/tests/*`; a trailing `/` matches directories only; `!pattern` only re-includes
    what an earlier exclude excluded, never what a `.gitignore` ignores. They take precedence over
    `.gitignore` files. A malformed pattern raises ValueError (it is the caller's input).

    The walk is iterative (no recursion limit) and reads each directory once. Raises
    NotADirectoryError if `root` is not a directory; everything found below it is reported instead.
    """
    root_abs = Path(os.path.abspath(root))
    if not root_abs.is_dir():
        raise NotADirectoryError(f"not a directory: {root}")
    exclude_spec = GitIgnoreSpec.from_lines(list(excludes))
    result = WalkResult()

    root_rules: _Rules = ()
    info_exclude = root_abs / ".git" / "info" / "exclude"
    if info_exclude.is_file():
        spec = _read_ignore_file(str(info_exclude), ".git/info/exclude", result)
        if spec is not None:
            root_rules = (("", spec),)

    headers: list[SourceFile] = []  # `.h` files left to the directory tiebreak
    pending: list[tuple[str, _Rules]] = [("", root_rules)]
    while pending:
        rel_dir, rules = pending.pop()
        abs_dir = os.path.join(root_abs, rel_dir) if rel_dir else str(root_abs)
        try:
            with os.scandir(abs_dir) as it:
                entries = list(it)
        except OSError as exc:
            result.errors.append(_unreadable(rel_dir or ".", exc))
            continue
        if any(entry.name == ".gitignore" for entry in entries):
            rel_path = _join(rel_dir, ".gitignore")
            spec = _read_ignore_file(os.path.join(abs_dir, ".gitignore"), rel_path, result)
            if spec is not None:
                rules = (*rules, (rel_dir, spec))
        for entry in entries:
            rel = _join(rel_dir, entry.name)
            subdir = _visit(entry, rel, exclude_spec, rules, max_file_size, result, headers)
            if subdir:
                pending.append((rel, rules))

    if headers:
        votes = count_c_family_votes(source.path for source in result.files)
        for header in headers:
            language = header_language_by_directory(header.path, votes)
            if language is not None:
                header.language, header.detected_by = language, "directory"
    result.files.sort(key=lambda f: f.path)
    result.errors.sort(key=lambda e: e.path)
    result.skipped.sort(key=lambda s: s.path)
    for source in result.files:
        result.blobs.setdefault(source.sha256, root_abs / source.path)
    return result


def _visit(
    entry: os.DirEntry[str],
    rel: str,
    exclude_spec: GitIgnoreSpec,
    rules: _Rules,
    max_file_size: int,
    result: WalkResult,
    headers: list[SourceFile],
) -> bool:
    """Handle one directory entry, adding what it yields to `result` (and to `headers` a `.h` whose
    language is left to the directory tiebreak); True if it is a directory to descend into. One
    function with early returns, so each rule reads in the order it applies."""
    name = entry.name
    try:
        is_link = entry.is_symlink()
        is_dir = not is_link and entry.is_dir(follow_symlinks=False)
        is_file = not is_link and entry.is_file(follow_symlinks=False)
    except OSError as exc:  # vanished since the directory was listed, or similar
        if language_for_name(name) is not None:
            result.errors.append(_unreadable(rel, exc))
        return False

    if is_dir and _is_skipped_dir(name):
        return False
    # git matches a symlink as a file even when it points to a directory.
    if _is_ignored(rel, is_dir, exclude_spec, rules):
        return False
    if is_dir:
        return True
    if is_link:
        _visit_symlink(entry, rel, result)
        return False
    if not is_file:  # FIFO, socket, device: never opened (a FIFO would block the walk)
        return False

    try:
        st = entry.stat(follow_symlinks=False)
    except OSError as exc:
        if language_for_name(name) is not None:
            result.errors.append(_unreadable(rel, exc))
        return False
    by_name = language_for_name(name)
    sniff = needs_content(name)
    if by_name is None:
        if not sniff:  # an extension that is not one of ours
            return False
        executable = bool(st.st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH))
        if not executable and st.st_size > SHEBANG_SNIFF_MAX_SIZE:
            return False
    else:
        if not _is_utf8(rel):
            _bad_name(rel, result)
            return False
        if _is_minified(name):
            result.skipped.append(SkippedFile(path=rel, reason="minified"))
            return False
        if not sniff and st.st_size > max_file_size:
            result.skipped.append(SkippedFile(path=rel,
                                              reason=_too_large(st.st_size, max_file_size)))
            return False
    _visit_file(entry.path, rel, by_name is not None, st.st_size, max_file_size, result, headers)
    return False


def _visit_file(path: str, rel: str, named_like_source: bool, listed_size: int,
                max_file_size: int, result: WalkResult, headers: list[SourceFile]) -> None:
    """Classify, check and hash one regular file in a single open: its first read (the head) is
    what `classify` and the binary check see and what the hash starts with.

    `named_like_source`: its extension is one of ours, so failing to read it is an error; a file
    without extension is only reported once its content has shown it to be source."""
    name = os.path.basename(rel)
    reported = named_like_source
    try:
        with open(path, "rb") as f:
            head = f.read(_HEAD_SIZE)
            if needs_content(name):
                detection = classify(name, head[:CONTENT_HEAD_SIZE], _read_tail(f, len(head)))
            else:
                detection = classify(name)
            language = detection.language
            if language is None:
                if detection.not_source:
                    result.skipped.append(SkippedFile(path=rel, reason=detection.not_source))
                return
            reported = True
            if not named_like_source and not _is_utf8(rel):
                _bad_name(rel, result)
                return
            if listed_size > max_file_size:
                result.skipped.append(SkippedFile(path=rel,
                                                  reason=_too_large(listed_size, max_file_size)))
                return
            if b"\0" in head[:BINARY_SNIFF_SIZE]:
                result.errors.append(FileError(
                    path=rel, kind="binary",
                    message=f"a NUL byte in the first {BINARY_SNIFF_SIZE} bytes: not a text file"))
                return
            sha256, size = _hash_rest(f, head, max_file_size)
    except OSError as exc:
        if reported:
            result.errors.append(_unreadable(rel, exc))
        return
    if size > max_file_size:  # it grew after it was listed
        result.skipped.append(SkippedFile(path=rel, reason=_too_large(size, max_file_size)))
        return
    source = SourceFile(path=rel, sha256=sha256, size=size, language=language,
                        detected_by=detection.detected_by, dialect=detection.dialect)
    result.files.append(source)
    if detection.tiebreak:
        headers.append(source)


def _visit_symlink(entry: os.DirEntry[str], rel: str, result: WalkResult) -> None:
    """Report a symlink that may hide source; never follow it.

    Symlinked files are skipped because their target may lie outside the root or duplicate a file
    already walked; symlinked directories because following them could loop. Reported: links to
    directories (unless their name is in `SKIPPED_DIRS`), links to files named like source, and
    broken or looping links (`a -> b -> a`), whose target cannot be known."""
    try:
        target = os.stat(entry.path)  # follows the link
    except OSError:
        result.skipped.append(SkippedFile(path=rel, reason="symlink"))
        return
    if stat.S_ISDIR(target.st_mode):
        report = not _is_skipped_dir(entry.name)
    else:
        report = language_for_name(entry.name) is not None
    if report:
        result.skipped.append(SkippedFile(path=rel, reason="symlink"))


def _is_skipped_dir(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in SKIPPED_DIRS)


def _is_ignored(rel: str, is_dir: bool, exclude_spec: GitIgnoreSpec, rules: _Rules) -> bool:
    """Whether the caller's excludes or the gitignore rules leave out `rel`.

    As in git, the last matching pattern of the deepest `.gitignore` that has one decides, and a
    directory is matched with a trailing `/` so that `build/`-style patterns apply to it only.
    """
    path = rel + "/" if is_dir else rel
    if exclude_spec.match_file(path):
        return True
    for base, spec in reversed(rules):
        sub = path[len(base) + 1:] if base else path
        decision = spec.check_file(sub).include
        if decision is not None:
            return decision
    return False


def _read_ignore_file(abs_path: str, rel_path: str, result: WalkResult) -> GitIgnoreSpec | None:
    """Compile a `.gitignore`-format file; None if it cannot be read (reported: ignoring less than
    the user meant would be a surprise) or has no patterns.

    Decoded as the file system decodes names (UTF-8, surrogateescape), so patterns for non-UTF-8
    names still match. Malformed lines are dropped, as git drops them, keeping the rest."""
    try:
        with open(abs_path, "rb") as f:
            data = f.read()
    except IsADirectoryError:
        return None
    except OSError as exc:
        result.errors.append(_unreadable(rel_path, exc))
        return None
    lines = data.decode("utf-8", errors="surrogateescape").splitlines()
    try:
        spec = GitIgnoreSpec.from_lines(lines)
    except ValueError:
        spec = GitIgnoreSpec.from_lines(_valid_patterns(lines))
    return spec if len(spec) else None


def _valid_patterns(lines: Iterable[str]) -> list[str]:
    valid: list[str] = []
    for line in lines:
        try:
            GitIgnoreSpec.from_lines([line])
        except ValueError:
            continue
        valid.append(line)
    return valid


def _read_tail(f: BinaryIO, head_size: int) -> bytes | None:
    """The last `CONTENT_TAIL_SIZE` bytes of a file whose first `head_size` bytes were just read,
    or None if those were the whole file; leaves the position after the head."""
    if head_size < _HEAD_SIZE:
        return None
    end = f.seek(0, os.SEEK_END)
    if end <= head_size:
        f.seek(head_size)
        return None
    f.seek(max(0, end - CONTENT_TAIL_SIZE))
    tail = f.read(CONTENT_TAIL_SIZE)
    f.seek(head_size)
    return tail


def _hash_rest(f: BinaryIO, head: bytes, max_file_size: int) -> tuple[str, int]:
    """sha256 hex and size of a file's bytes: `head`, already read, then the rest of `f`, read in
    chunks. Stops once past `max_file_size` (the size returned then says so), so a growing file
    cannot stall the walk."""
    digest = hashlib.sha256(head)
    size = len(head)
    while size <= max_file_size and (chunk := f.read(_HASH_CHUNK_SIZE)):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _is_minified(name: str) -> bool:
    """`app.min.js`-style names: bundler output, one enormous line, meaningless to metrics."""
    stem = os.path.splitext(name)[0]
    return stem.lower().endswith(".min")


def _is_utf8(path: str) -> bool:
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:  # surrogate-escaped bytes from a non-UTF-8 file name
        return False
    return True


def _bad_name(rel: str, result: WalkResult) -> None:
    # Paths travel as UTF-8 strings (msgpack, JSON, SARIF); report it under a printable name.
    printable = os.fsencode(rel).decode("utf-8", errors="backslashreplace")
    result.errors.append(FileError(path=printable, kind="bad-name",
                                   message="the file's path is not valid UTF-8"))


def _too_large(size: int, limit: int) -> str:
    return f"too-large ({size} bytes > {limit})"


def _unreadable(rel: str, exc: OSError) -> FileError:
    return FileError(path=rel, kind="unreadable", message=exc.strerror or str(exc))


def _join(rel_dir: str, name: str) -> str:
    return f"{rel_dir}/{name}" if rel_dir else name
