"""Tests for `mesh.walk` and `mesh.languages` on real files in a temporary directory.

Every test compares exact lists, so a file that is wrongly included, wrongly left out or reported
under the wrong reason fails it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
from pathlib import Path
from typing import BinaryIO

import pytest

from mesh import walk as walk_module
from mesh.languages import (
    CONTENT_TAIL_SIZE,
    EXTENSIONS,
    detect_language,
    language_for_name,
    shebang_interpreter,
)
from mesh.models import FileError, SkippedFile
from mesh.walk import DEFAULT_MAX_FILE_SIZE, SKIPPED_DIRS, WalkResult, walk


def write(root: Path, rel: str, data: bytes | str = "x = 1\n", *, mode: int | None = None) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    if mode is not None:
        path.chmod(mode)
    return path


def paths(result: WalkResult) -> list[str]:
    return [f.path for f in result.files]


def languages(result: WalkResult) -> list[tuple[str, str]]:
    return [(f.path, f.language) for f in result.files]


# --- languages --------------------------------------------------------------------------------


EXPECTED_BY_EXTENSION = {
    "a.py": "python", "a.pyw": "python", "a.pyi": "python",
    "a.go": "go",
    "a.c": "c", "a.h": "c",
    "a.cc": "cpp", "a.cpp": "cpp", "a.cxx": "cpp", "a.c++": "cpp", "a.hh": "cpp", "a.hpp": "cpp",
    "a.hxx": "cpp", "a.h++": "cpp", "a.ipp": "cpp",
    "a.js": "javascript", "a.mjs": "javascript", "a.cjs": "javascript", "a.jsx": "javascript",
    "a.ts": "typescript", "a.mts": "typescript", "a.cts": "typescript", "a.tsx": "typescript",
    "a.d.ts": "typescript",
    "a.rs": "rust",
    "a.java": "java",
}


@pytest.mark.parametrize(("name", "language"), sorted(EXPECTED_BY_EXTENSION.items()))
def test_language_for_name(name: str, language: str) -> None:
    assert language_for_name(name) == language
    assert language_for_name(f"some/dir.x/{name}") == language


@pytest.mark.parametrize(("name", "language"), [
    ("A.PY", "python"), ("Main.Java", "java"), ("x.CPP", "cpp"), ("x.HPP", "cpp"),
    ("x.C", "cpp"), ("x.H", "cpp"),  # GCC's C++ spellings
    ("Makefile", None), ("README", None), (".bashrc", None), ("x.txt", None), ("x.pyc", None),
    ("x.cs", None), ("x.sh", None), ("dir.py/file", None), (".py", None),
])
def test_language_for_name_case_and_unknown(name: str, language: str | None) -> None:
    assert language_for_name(name) == language


def test_every_extension_is_tested() -> None:
    tested = {os.path.splitext(name)[1] for name in EXPECTED_BY_EXTENSION}
    assert tested == set(EXTENSIONS)


@pytest.mark.parametrize(("head", "language"), [
    (b"#!/usr/bin/env python3\nprint(1)\n", "python"),
    (b"#!/usr/bin/python\n", "python"),
    (b"#!/usr/bin/python2.7 -u\n", "python"),
    (b"#! /usr/local/bin/python3.11\n", "python"),
    (b"#!/usr/bin/env python3.13t\n", "python"),
    (b"#!/usr/bin/env pypy3\n", "python"),
    (b"#!/usr/bin/env python3\r\nprint(1)\r\n", "python"),
    (b"#!/usr/bin/env -S python3 -X dev\n", "python"),
    (b"#!/usr/bin/env -i PYTHONPATH=. python3\n", "python"),
    (b"#!/usr/bin/env -u HOME python\n", "python"),
    (b"#!/usr/bin/env node\n", "javascript"),
    (b"#!/usr/bin/env -S node --experimental-modules\n", "javascript"),
    (b"#!/usr/bin/env -Snode --flag\n", "javascript"),
    (b"#!/usr/bin/env --split-string=node --flag\n", "javascript"),
    (b"#!/usr/local/bin/node\n", "javascript"),
    (b"#!/usr/bin/env nodejs\n", "javascript"),
    (b"#!/usr/bin/env deno run\n", "javascript"),
    (b"#!/usr/bin/env -S deno run --allow-net\n", "javascript"),
    (b"#!/usr/bin/env ts-node\n", "typescript"),
    (b"#!/usr/bin/env -S npx tsx\n", None),  # npx runs whatever follows: not guessed
    (b"#!/usr/bin/env tsx\n", "typescript"),
    (b"#!/usr/bin/java --source 21\n", "java"),
    (b"#!/usr/bin/env rust-script\n", "rust"),
    (b"#!/bin/sh\n", None),
    (b"#!/usr/bin/env bash\n", None),
    (b"#!/usr/bin/env\n", None),
    (b"#!\n", None),
    (b"", None),
    (b"print(1)  # python3\n", None),
    (b" #!/usr/bin/python\n", None),
    (b"\x7fELF\x02\x01\x01\x00", None),
])
def test_detect_language_by_shebang(head: bytes, language: str | None) -> None:
    assert detect_language("script", head) == language


def test_detect_language_extension_wins_and_unknown_extension_is_not_sniffed() -> None:
    python = b"#!/usr/bin/env python3\n"
    assert detect_language("tool.js", python) == "javascript"
    assert detect_language("tool.sh", python) is None
    assert detect_language("notes.txt", python) is None
    assert detect_language("tool", python) == "python"


def test_shebang_interpreter() -> None:
    assert shebang_interpreter(b"#!/usr/bin/env -S node --flags\n") == "node"
    assert shebang_interpreter(b"#!/usr/bin/python2.7\n") == "python2.7"
    assert shebang_interpreter(b"no shebang") is None


# --- walk: selection --------------------------------------------------------------------------


def test_every_language_by_extension(tmp_path: Path) -> None:
    for name in EXPECTED_BY_EXTENSION:
        write(tmp_path, f"src/{name}", "int x;\n")
    write(tmp_path, "src/notes.txt")
    write(tmp_path, "src/Makefile", "all:\n\techo hi\n")
    write(tmp_path, "src/a.pyc", b"\x00\x01")
    result = walk(tmp_path)
    # `a.h` has no content to decide by, and 9 of the 10 C-family sources beside it are C++.
    expected = sorted((f"src/{name}", "cpp" if name == "a.h" else lang)
                      for name, lang in EXPECTED_BY_EXTENSION.items())
    assert languages(result) == expected
    assert {f.path: f.detected_by for f in result.files if f.detected_by != "extension"} == {
        "src/a.h": "directory"}
    assert result.errors == []
    assert result.skipped == []


def test_shebang_scripts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "bin/tool", "#!/usr/bin/env python3\nprint(1)\n", mode=0o755)
    write(tmp_path, "bin/serve", "#!/usr/bin/env -S node --flags\n", mode=0o644)  # not executable
    write(tmp_path, "bin/deploy", "#!/usr/bin/env ts-node\n", mode=0o755)
    write(tmp_path, "bin/run.sh", "#!/usr/bin/env python3\n", mode=0o755)  # unknown extension
    write(tmp_path, "bin/shell", "#!/bin/sh\necho\n", mode=0o755)
    write(tmp_path, "bin/a.out", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64, mode=0o755)
    write(tmp_path, "bin/program", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64, mode=0o755)
    write(tmp_path, "data/big", "#!/usr/bin/python\n" + "#" * 200, mode=0o644)
    write(tmp_path, "data/bigexec", "#!/usr/bin/python\n" + "#" * 200, mode=0o755)
    monkeypatch.setattr(walk_module, "SHEBANG_SNIFF_MAX_SIZE", 100)
    result = walk(tmp_path)
    assert languages(result) == [
        ("bin/deploy", "typescript"),
        ("bin/serve", "javascript"),
        ("bin/tool", "python"),
        ("data/bigexec", "python"),  # executable: sniffed whatever its size
    ]
    assert result.errors == []
    assert result.skipped == []


def test_default_skipped_dirs(tmp_path: Path) -> None:
    names = [d.replace("*", "out") for d in SKIPPED_DIRS]
    assert "bazel-out" in names
    for name in names:
        write(tmp_path, f"{name}/a.py")
        write(tmp_path, f"pkg/{name}/deep/a.py")
    write(tmp_path, "pkg/vendor.go", "package pkg\n")
    write(tmp_path, "pkg/builds/a.py")
    write(tmp_path, "pkg/mybuild/a.py")
    write(tmp_path, "pkg/.github/a.py")
    result = walk(tmp_path)
    assert paths(result) == ["pkg/.github/a.py", "pkg/builds/a.py", "pkg/mybuild/a.py",
                             "pkg/vendor.go"]
    assert result.skipped == []


def test_skipped_dir_names_do_not_apply_to_the_root(tmp_path: Path) -> None:
    write(tmp_path, "build/src/a.py")
    write(tmp_path, "build/build/a.py")
    assert paths(walk(tmp_path / "build")) == ["src/a.py"]


def test_gitignore_root_nested_negation_and_anchors(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "\n".join([
        "# comment",
        "*.gen.py",
        "/top_only.py",  # anchored: only at the root
        "logs/",  # directories only
        "secret",  # file or directory, any depth
        "docs/*.py",  # has a slash: anchored to the root
        "ignored_dir/",
    ]) + "\n")
    write(tmp_path, "a.py")
    write(tmp_path, "a.gen.py")
    write(tmp_path, "top_only.py")
    write(tmp_path, "pkg/top_only.py")
    write(tmp_path, "logs/a.py")
    write(tmp_path, "pkg/logs/a.py")
    write(tmp_path, "pkg/logs.py")
    write(tmp_path, "secret/a.py")
    write(tmp_path, "pkg/secret", "#!/usr/bin/python\n", mode=0o755)
    write(tmp_path, "docs/conf.py")
    write(tmp_path, "pkg/docs/conf.py")
    write(tmp_path, "pkg/.gitignore", "!keep.gen.py\n/local.py\n")
    write(tmp_path, "pkg/keep.gen.py")
    write(tmp_path, "pkg/other.gen.py")
    write(tmp_path, "pkg/local.py")
    write(tmp_path, "pkg/sub/local.py")  # /local.py is anchored to pkg/
    write(tmp_path, "pkg/sub/keep.gen.py")  # the negation applies to pkg's whole subtree
    write(tmp_path, "pkg/only_main/.gitignore", "*.py\n!main.py\n")
    write(tmp_path, "pkg/only_main/main.py")
    write(tmp_path, "pkg/only_main/util.py")
    # A file inside an ignored directory cannot be re-included, as in git.
    write(tmp_path, "ignored_dir/.gitignore", "!*.py\n")
    write(tmp_path, "ignored_dir/a.py")
    result = walk(tmp_path)
    assert paths(result) == [
        "a.py",
        "pkg/docs/conf.py",
        "pkg/keep.gen.py",
        "pkg/logs.py",
        "pkg/only_main/main.py",
        "pkg/sub/keep.gen.py",
        "pkg/sub/local.py",
        "pkg/top_only.py",
    ]
    assert result.errors == []
    assert result.skipped == []


def test_git_info_exclude(tmp_path: Path) -> None:
    write(tmp_path, ".git/info/exclude", "scratch.py\n")
    write(tmp_path, ".gitignore", "!keep/scratch.py\n")
    write(tmp_path, "a.py")
    write(tmp_path, "scratch.py")
    write(tmp_path, "pkg/scratch.py")
    write(tmp_path, "keep/scratch.py")  # .gitignore outranks info/exclude
    assert paths(walk(tmp_path)) == ["a.py", "keep/scratch.py"]


def test_excludes(tmp_path: Path) -> None:
    write(tmp_path, "tests/test_a.py")
    write(tmp_path, "tests/unit/test_b.py")
    write(tmp_path, "pkg/tests/test_c.py")  # `tests/*` is anchored at the root
    write(tmp_path, "api/service.pb.go", "package api\n")
    write(tmp_path, "api/keep.pb.go", "package api\n")
    write(tmp_path, "api/service.go", "package api\n")
    write(tmp_path, "docs/conf.py")
    write(tmp_path, "docs.py")
    write(tmp_path, "main.py")
    result = walk(tmp_path, excludes=["tests/*", "*.pb.go", "!keep.pb.go", "docs/"])
    assert paths(result) == ["api/keep.pb.go", "api/service.go", "docs.py", "main.py",
                             "pkg/tests/test_c.py"]
    assert paths(walk(tmp_path, excludes=["**/tests/"])) == [
        "api/keep.pb.go", "api/service.go", "api/service.pb.go", "docs.py", "docs/conf.py",
        "main.py",
    ]


def test_exclude_negation_cannot_override_gitignore(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "gen.py\n")
    write(tmp_path, "gen.py")
    write(tmp_path, "main.py")
    assert paths(walk(tmp_path, excludes=["!gen.py"])) == ["main.py"]


def test_malformed_exclude_raises(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        walk(tmp_path, excludes=["!"])


def test_malformed_gitignore_line_is_dropped(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "!\nignored.py\n")
    write(tmp_path, "ignored.py")
    write(tmp_path, "main.py")
    assert paths(walk(tmp_path)) == ["main.py"]


def test_root_must_be_a_directory(tmp_path: Path) -> None:
    file = write(tmp_path, "a.py")
    with pytest.raises(NotADirectoryError):
        walk(file)
    with pytest.raises(NotADirectoryError):
        walk(tmp_path / "missing")


# --- walk: contents ---------------------------------------------------------------------------


def test_too_large_is_skipped(tmp_path: Path) -> None:
    assert DEFAULT_MAX_FILE_SIZE == 4 * 1024 * 1024
    write(tmp_path, "big.py", b"#" * 11)
    write(tmp_path, "limit.py", b"#" * 10)
    result = walk(tmp_path, max_file_size=10)
    assert paths(result) == ["limit.py"]
    assert result.skipped == [SkippedFile(path="big.py", reason="too-large (11 bytes > 10)")]
    assert result.errors == []


def test_minified_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, "static/app.min.js", "var a=1;")
    write(tmp_path, "static/app.MIN.mjs", "var a=1;")
    write(tmp_path, "static/app.js", "var a = 1;\n")
    write(tmp_path, "static/admin.js", "var a = 2;\n")
    result = walk(tmp_path)
    assert paths(result) == ["static/admin.js", "static/app.js"]
    assert result.skipped == [
        SkippedFile(path="static/app.MIN.mjs", reason="minified"),
        SkippedFile(path="static/app.min.js", reason="minified"),
    ]


def test_binary_source_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "blob.c", b"int x;\x00\x01\x02")
    write(tmp_path, "late.c", b"/" * (8 * 1024) + b"\x00")  # NUL after the sniffed head
    write(tmp_path, "data.bin", b"\x00\x00")
    result = walk(tmp_path)
    assert paths(result) == ["late.c"]
    assert [(e.path, e.kind) for e in result.errors] == [("blob.c", "binary")]


def test_non_utf8_and_empty_files_are_included(tmp_path: Path) -> None:
    latin1 = "# caf\xe9\nx = 1\n".encode("latin-1")
    write(tmp_path, "latin1.py", latin1)
    write(tmp_path, "empty.py", b"")
    write(tmp_path, "pkg/__init__.py", b"")
    result = walk(tmp_path)
    assert [(f.path, f.size, f.sha256) for f in result.files] == [
        ("empty.py", 0, hashlib.sha256(b"").hexdigest()),
        ("latin1.py", len(latin1), hashlib.sha256(latin1).hexdigest()),
        ("pkg/__init__.py", 0, hashlib.sha256(b"").hexdigest()),
    ]
    assert result.errors == []


def test_sha256_and_shared_blobs(tmp_path: Path) -> None:
    same = b"def f():\n    return 1\n"
    other = os.urandom(3 * 1024 * 1024).replace(b"\x00", b"\x01")  # several hash chunks
    write(tmp_path, "b/copy.py", same)
    write(tmp_path, "a/orig.py", same)
    write(tmp_path, "c/copy.rs", same)  # same bytes, other language: still one blob
    write(tmp_path, "big.go", other)
    result = walk(tmp_path)
    same_hash = hashlib.sha256(same).hexdigest()
    other_hash = hashlib.sha256(other).hexdigest()
    assert [(f.path, f.sha256, f.size, f.language) for f in result.files] == [
        ("a/orig.py", same_hash, len(same), "python"),
        ("b/copy.py", same_hash, len(same), "python"),
        ("big.go", other_hash, len(other), "go"),
        ("c/copy.rs", same_hash, len(same), "rust"),
    ]
    assert result.blobs == {
        same_hash: (tmp_path / "a/orig.py").absolute(),
        other_hash: (tmp_path / "big.go").absolute(),
    }
    for sha, path in result.blobs.items():
        assert path.is_absolute()
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha


def test_relative_root_gives_absolute_blob_paths(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "repo/a.py", "x = 1\n")
    monkeypatch.chdir(tmp_path)
    result = walk(Path("repo"))
    assert paths(result) == ["a.py"]
    assert list(result.blobs.values()) == [tmp_path / "repo" / "a.py"]


# --- walk: classification by content --------------------------------------------------------


def transport_stream(packets: int, *, seed: int = 0, nul: bool = False) -> bytes:
    """MPEG-TS-looking bytes: 0x47 every 188 bytes, random payload, NUL-free unless `nul`."""
    rng = random.Random(seed)
    low = 0 if nul else 1
    return b"".join(b"\x47" + bytes(rng.randrange(low, 256) for _ in range(187))
                    for _ in range(packets))


def test_ts_video_and_xml_are_skipped_with_a_reason(tmp_path: Path) -> None:
    video = transport_stream(100)  # no NUL: not a "binary" error either
    assert b"\0" not in video
    write(tmp_path, "media/clip.ts", video)
    write(tmp_path, "media/nul.ts", transport_stream(50, seed=1, nul=True))
    write(tmp_path, "media/huge.ts", transport_stream(200, seed=2))  # over the size limit
    write(tmp_path, "i18n/app_de.ts",
          '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n<TS version="2.1">\n</TS>\n')
    write(tmp_path, "src/garbage.ts", b"G\x00\x01" * 10)  # binary, but not a stream: an error
    write(tmp_path, "src/cast.ts", "const x = <any>y;\n")
    write(tmp_path, "src/big.ts", "let x = 1;\n" * 2000)  # too large, and said so
    result = walk(tmp_path, max_file_size=20_000)
    assert [(f.path, f.language, f.detected_by) for f in result.files] == [
        ("src/cast.ts", "typescript", "extension"),
    ]
    assert result.skipped == [
        SkippedFile(path="i18n/app_de.ts", reason="not source: XML (Qt Linguist translation)"),
        SkippedFile(path="media/clip.ts", reason="not source: MPEG transport stream"),
        SkippedFile(path="media/huge.ts", reason="not source: MPEG transport stream"),
        SkippedFile(path="media/nul.ts", reason="not source: MPEG transport stream"),
        SkippedFile(path="src/big.ts", reason="too-large (22000 bytes > 20000)"),
    ]
    assert [(e.path, e.kind) for e in result.errors] == [("src/garbage.ts", "binary")]


def test_typescript_starting_with_g_is_typescript(tmp_path: Path) -> None:
    greeter = ("Greeter.greet(name);".ljust(187) + "\n") * 100
    write(tmp_path, "greeter.ts", greeter)
    write(tmp_path, "G.ts", "G")
    result = walk(tmp_path)
    assert [(f.path, f.language, f.size) for f in result.files] == [
        ("G.ts", "typescript", 1),
        ("greeter.ts", "typescript", len(greeter)),
    ]
    assert result.files[1].sha256 == hashlib.sha256(greeter.encode()).hexdigest()
    assert result.skipped == []
    assert result.errors == []


def test_detected_by_and_dialect(tmp_path: Path) -> None:
    write(tmp_path, "a.py")
    write(tmp_path, "ui/App.jsx", "export const App = () => <div/>;\n")
    write(tmp_path, "ui/View.tsx", "export const View = () => <div/>;\n")
    write(tmp_path, "ui/index.js", "ReactDOM.render(<App />, root);\n")
    write(tmp_path, "ui/util.js", "export const lt = (a, b) => a < b;\n")
    write(tmp_path, "ui/typed.js", "// vim: set ft=typescript:\nlet x: number = 1;\n")
    write(tmp_path, "bin/tool", "#!/usr/bin/env python3\nprint(1)\n", mode=0o755)
    write(tmp_path, "bin/poly", "#!/bin/sh\n# -*- mode: python -*-\n\"exec\" python3 \"$0\"\n",
          mode=0o755)
    write(tmp_path, "bin/notes", "Notes.\n\n# vim: set ft=python:\n")  # not executable, small
    write(tmp_path, "bin/shell", "#!/bin/sh\necho\n", mode=0o755)
    write(tmp_path, "bin/sh-modeline", "# vim: set ft=sh:\nls\n", mode=0o755)
    write(tmp_path, "bin/editor", b"\x7fELF\x02 vim: set ft=python: \x00\x00", mode=0o755)
    write(tmp_path, "README", "-*- mode: text -*-\nRead me.\n")
    write(tmp_path, "lib/api.h", '#ifdef __cplusplus\nextern "C" {\n#endif\nint f(void);\n'
                                 "#ifdef __cplusplus\n}\n#endif\n")
    write(tmp_path, "lib/impl.h", "namespace lib { int f(); }\n")
    write(tmp_path, "lib/mode.h", "/* -*- C++ -*- */\nint f(void);\n")
    write(tmp_path, "lib/plain.h", "int f(void);\n")
    write(tmp_path, "lib/lib.cc", "int f() { return 1; }\n")
    write(tmp_path, "lib/objc.h", "// -*- mode: objc -*-\n@interface A\n@end\n")
    result = walk(tmp_path)
    assert [(f.path, f.language, f.detected_by, f.dialect) for f in result.files] == [
        ("a.py", "python", "extension", ""),
        ("bin/notes", "python", "modeline", ""),
        ("bin/poly", "python", "modeline", ""),
        ("bin/tool", "python", "shebang", ""),
        ("lib/api.h", "c", "content", ""),
        ("lib/impl.h", "cpp", "content", ""),
        ("lib/lib.cc", "cpp", "extension", ""),
        ("lib/mode.h", "cpp", "modeline", ""),
        ("lib/plain.h", "cpp", "directory", ""),
        ("ui/App.jsx", "javascript", "extension", "jsx"),
        ("ui/View.tsx", "typescript", "extension", "tsx"),
        ("ui/index.js", "javascript", "extension", "jsx"),
        ("ui/typed.js", "typescript", "modeline", ""),
        ("ui/util.js", "javascript", "extension", ""),
    ]
    assert result.skipped == [SkippedFile(path="lib/objc.h",
                                          reason="other language: modeline says objc")]
    assert result.errors == []


def test_header_directory_tiebreak(tmp_path: Path) -> None:
    for rel in ["cpp/src/a.cc", "cpp/src/b.cpp", "c/src/a.c", "c/src/b.c", "mixed/a.c",
                "mixed/b.cpp"]:
        write(tmp_path, rel, "int x;\n")
    for directory in ["cpp/include/cpp", "c/include", "mixed", "alone"]:
        write(tmp_path, f"{directory}/plain.h", "int f(void);\n")
    write(tmp_path, "c/include/ns.h", "namespace x {}\n")  # content outranks the directory
    write(tmp_path, "cpp/vendor/c.c", "int y;\n")  # not walked: votes only by what is analyzed
    write(tmp_path, ".gitignore", "ignored.c\n")
    write(tmp_path, "cpp/ignored.c", "int y;\n")
    result = walk(tmp_path)
    headers = [(f.path, f.language, f.detected_by) for f in result.files if f.path.endswith(".h")]
    assert headers == [
        ("alone/plain.h", "c", "extension"),  # the root is mixed (3 C, 3 C++)
        ("c/include/ns.h", "cpp", "content"),
        ("c/include/plain.h", "c", "directory"),
        ("cpp/include/cpp/plain.h", "cpp", "directory"),
        ("mixed/plain.h", "c", "extension"),
    ]


def test_modelines_at_both_ends_of_a_large_file(tmp_path: Path) -> None:
    body = "int f(void);\n" * 3000  # 39 KiB: the end is past the head, read from the tail
    write(tmp_path, "tail.h", body + "/* vim: set ft=cpp: */\n")
    write(tmp_path, "head.h", "// vim: set ft=cpp:\n" + body)
    write(tmp_path, "middle.h", body + "// vim: set ft=cpp:\n" + body)  # Vim would not read it
    write(tmp_path, "sixth.h", body + "// vim: set ft=cpp:\n" + "int g;\n" * 5)
    write(tmp_path, "local.h", body + "/* Local Variables: */\n/* mode: c++ */\n/* End: */\n")
    write(tmp_path, "script", "#!/bin/sh\n" + "true\n" * 3000 + "# vim: set ft=python:\n",
          mode=0o755)
    result = walk(tmp_path)
    assert [(f.path, f.language, f.detected_by) for f in result.files] == [
        ("head.h", "cpp", "modeline"),
        ("local.h", "cpp", "modeline"),
        ("middle.h", "c", "extension"),
        ("script", "python", "modeline"),
        ("sixth.h", "c", "extension"),
        ("tail.h", "cpp", "modeline"),
    ]
    for source in result.files:  # the head read for sniffing is part of the hash, once
        data = (tmp_path / source.path).read_bytes()
        assert (source.size, source.sha256) == (len(data), hashlib.sha256(data).hexdigest())


def test_extensionless_sniffing_reads_little(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that is not ours is read no further than its head and tail: no hashing."""
    write(tmp_path, "data", "#!/bin/sh\n" + "x" * 100_000, mode=0o755)
    reads: list[int] = []
    real_open = open

    class Spy:
        def __init__(self, f: BinaryIO) -> None:
            self._f = f

        def read(self, n: int = -1) -> bytes:
            reads.append(n)
            return self._f.read(n)

        def __getattr__(self, name: str) -> object:
            return getattr(self._f, name)

        def __enter__(self) -> Spy:
            return self

        def __exit__(self, *exc: object) -> None:
            self._f.close()

    def spy_open(path: str, mode: str = "r", *args: object, **kwargs: object) -> object:
        f = real_open(path, mode, *args, **kwargs)  # type: ignore[call-overload]
        return Spy(f) if "b" in mode and str(path).endswith("data") else f

    monkeypatch.setattr(walk_module, "open", spy_open, raising=False)
    assert walk(tmp_path).files == []
    assert reads == [walk_module.BINARY_SNIFF_SIZE, CONTENT_TAIL_SIZE]


# --- walk: symlinks, special files, errors ----------------------------------------------------


@pytest.mark.timeout(30)
def test_symlinks_are_skipped_and_loops_do_not_hang(tmp_path: Path) -> None:
    write(tmp_path, "real.py")
    write(tmp_path, "notes.txt")
    write(tmp_path, "pkg/mod.py")
    (tmp_path / "loop").symlink_to(".")
    (tmp_path / "pkg" / "up").symlink_to("..")
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    (tmp_path / "link.py").symlink_to("real.py")
    (tmp_path / "gone.py").symlink_to("missing.py")
    (tmp_path / "dangling").symlink_to("nowhere")
    (tmp_path / "notes").symlink_to("notes.txt")  # not source by name: not reported
    (tmp_path / "node_modules").symlink_to("pkg")  # a skipped directory name: not reported
    result = walk(tmp_path)
    assert paths(result) == ["pkg/mod.py", "real.py"]
    assert result.skipped == [
        SkippedFile(path=p, reason="symlink")
        for p in ["a", "b", "dangling", "gone.py", "link.py", "loop", "pkg/up"]
    ]
    assert result.errors == []


def test_ignored_symlinks_are_not_reported(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "loop\n")
    write(tmp_path, "a.py")
    (tmp_path / "loop").symlink_to(".")
    result = walk(tmp_path)
    assert paths(result) == ["a.py"]
    assert result.skipped == []


@pytest.mark.timeout(30)
def test_fifo_named_like_source_is_never_opened(tmp_path: Path) -> None:
    write(tmp_path, "a.py")
    os.mkfifo(tmp_path / "pipe.py")
    os.mkfifo(tmp_path / "pipe")
    result = walk(tmp_path)
    assert paths(result) == ["a.py"]
    assert result.errors == []
    assert result.skipped == []


def test_deep_tree_needs_no_recursion(tmp_path: Path) -> None:
    depth = 1100  # deeper than Python's default recursion limit
    rel = "/".join(["d"] * depth)
    dirs = []
    path = str(tmp_path)
    for _ in range(depth):  # pathlib's mkdir(parents=True) would itself recurse too deep
        path = os.path.join(path, "d")
        dirs.append(path)
    try:
        for directory in dirs:
            os.mkdir(directory)
        write(tmp_path, f"{rel}/a.py")
        assert paths(walk(tmp_path)) == [f"{rel}/a.py"]
    finally:
        # pytest removes old temporary directories with shutil.rmtree, which recurses, and would
        # fail on this tree in every later session: take it down here, deepest first.
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(dirs[-1], "a.py"))
        for directory in reversed(dirs):
            with contextlib.suppress(FileNotFoundError):
                os.rmdir(directory)


def test_non_utf8_file_name_is_reported(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9.py")
    try:
        (tmp_path / name).write_bytes(b"x = 1\n")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system does not accept non-UTF-8 names")
    write(tmp_path, "ok.py")
    result = walk(tmp_path)
    assert paths(result) == ["ok.py"]
    assert result.errors == [FileError(path="caf\\xe9.py", kind="bad-name",
                                       message="the file's path is not valid UTF-8")]


def chmod_000_prevents_reading(tmp_path: Path) -> bool:
    """False for root (or anyone with CAP_DAC_OVERRIDE), who reads files whatever their mode."""
    probe = write(tmp_path, "probe", "x", mode=0o000)
    try:
        probe.read_bytes()
    except PermissionError:
        return True
    finally:
        probe.unlink()
    return False


def test_unreadable_file_and_directory_chmod(tmp_path: Path) -> None:
    if not chmod_000_prevents_reading(tmp_path):
        pytest.skip("running as root: chmod 000 does not stop root from reading; "
                    "test_unreadable_file_and_directory_simulated covers this case")
    write(tmp_path, "a.py")
    write(tmp_path, "locked.py", mode=0o000)
    write(tmp_path, "closed/b.py")
    (tmp_path / "closed").chmod(0o000)
    try:
        result = walk(tmp_path)
    finally:
        (tmp_path / "closed").chmod(0o755)
    assert paths(result) == ["a.py"]
    assert [(e.path, e.kind, e.message) for e in result.errors] == [
        ("closed", "unreadable", "Permission denied"),
        ("locked.py", "unreadable", "Permission denied"),
    ]


def test_unreadable_file_and_directory_simulated(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The same as the chmod test, but runs as root too: the OS calls the walk makes for these
    two paths fail with EACCES, as they would for an unprivileged user."""
    write(tmp_path, "a.py")
    write(tmp_path, "locked.py")
    write(tmp_path, "closed/b.py")
    locked, closed = str(tmp_path / "locked.py"), str(tmp_path / "closed")
    real_open, real_scandir = open, os.scandir

    def fake_open(path: str, *args: object, **kwargs: object) -> object:
        if str(path) == locked:
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, *args, **kwargs)  # type: ignore[call-overload]

    def fake_scandir(path: str) -> object:
        if str(path) == closed:
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(walk_module, "open", fake_open, raising=False)
    monkeypatch.setattr(os, "scandir", fake_scandir)
    result = walk(tmp_path)
    assert paths(result) == ["a.py"]
    assert [(e.path, e.kind, e.message) for e in result.errors] == [
        ("closed", "unreadable", "Permission denied"),
        ("locked.py", "unreadable", "Permission denied"),
    ]


def test_unreadable_gitignore_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, ".gitignore", "*.py\n")
    write(tmp_path, "a.py")
    gitignore = str(tmp_path / ".gitignore")
    real_open = open

    def fake_open(path: str, *args: object, **kwargs: object) -> object:
        if str(path) == gitignore:
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(walk_module, "open", fake_open, raising=False)
    result = walk(tmp_path)
    assert paths(result) == ["a.py"]
    assert result.errors == [FileError(path=".gitignore", kind="unreadable",
                                       message="Permission denied")]
