"""Tests for `mesh.languages.classify` and its parts: modelines, `.h` as C or C++, `.ts` that is
video or XML, JSX in `.js`. Pure functions over bytes; the walk's use of them (reading the head
and tail, the directory tiebreak) is tested in test_walk.py, on real files.

Every expectation is exact, and the negative cases are the near misses (a marker in a comment, a
`G` where a sync byte would be), so a rule that is too eager or too shy fails a test.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesh.languages import (
    CONTENT_HEAD_SIZE,
    CONTENT_TAIL_SIZE,
    MODELINE_NAMES,
    Detection,
    classify,
    count_c_family_votes,
    has_jsx,
    header_language,
    header_language_by_directory,
    is_mpeg_transport_stream,
    modeline_filetype,
    needs_content,
)

# --- which names are sniffed ------------------------------------------------------------------


@pytest.mark.parametrize(("name", "sniffed"), [
    ("a.h", True), ("a.ts", True), ("a.js", True), ("A.TS", True), ("a.Js", True),
    ("script", True), ("Makefile", True), ("dir.d/script", True),
    ("a.H", False),  # GCC's C++ header: the case says it
    ("a.c", False), ("a.hpp", False), ("a.tsx", False), ("a.jsx", False), ("a.mjs", False),
    ("a.py", False), ("a.txt", False), ("a.sh", False), ("a.d.ts", True),
])
def test_needs_content(name: str, sniffed: bool) -> None:
    assert needs_content(name) is sniffed


def test_unambiguous_extensions_ignore_content() -> None:
    cpp = b"// -*- mode: python -*-\nnamespace x {}\n"
    assert classify("a.c", cpp) == Detection("c")
    assert classify("a.py", b"\x47" * 1000) == Detection("python")
    assert classify("a.jsx", b"") == Detection("javascript", dialect="jsx")
    assert classify("a.tsx", b"") == Detection("typescript", dialect="tsx")
    assert classify("a.mjs", b"const a = <div/>;") == Detection("javascript")
    assert classify("notes.txt", b"#!/usr/bin/env python3\n") == Detection(None)


# --- modelines --------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "filetype"), [
    # Vim, both forms, every prefix, and the options it reads.
    ("// vim: set ft=cpp:\n", "cpp"),
    ("/* vim: set filetype=cpp : */\n", "cpp"),
    ("# vim: ft=python\n", "python"),
    ("# vim:ft=python:ts=4\n", "python"),
    ("# vim: ts=4 sw=4 ft=python et\n", "python"),
    ("/* vim: ft=c */\n", "c"),
    ("# vi: ft=python\n", "python"),
    ("# ex: ft=python\n", "python"),
    ("// Vim: set ft=javascript:\n", "javascript"),
    ("// vim600: set ft=cpp:\n", "cpp"),
    ("// vim>600: ft=cpp\n", "cpp"),
    ("vim: ft=rust\n", "rust"),  # at the start of a line
    ("// vim: set syntax=cpp:\n", "cpp"),
    ("// vim: set syn=c:\n", "c"),
    ("// vim: set syntax=c ft=cpp:\n", "cpp"),  # ft wins over syntax
    ("// vim: set ft=c:\n// vim: set ft=cpp:\n", "cpp"),  # the last one wins, as in Vim
    ("// vim: set ft=cpp.doxygen:\n", "cpp"),  # compound file type: the first part
    ("// vim: set ft=javascript.jsx:\n", "javascript.jsx"),
    ("// vim: set FT=CPP:\n", None),  # option names are case-sensitive in Vim
    ("// vim: set ft=CPP:\n", "cpp"),
    ("// vim: set ts=4 sw=4:\n", None),
    ("// vim: set ts=4: ft=cpp\n", None),  # after the set form's closing `:` is text
    ("# -*- coding: utf-8 -*-\n# vim: set fileencoding=utf-8 :\n", None),
    ("//vim: ft=cpp\n", None),  # Vim wants white space before `vim:`
    ("int index: ft=cpp;\n", None),
    ("// Tip for vim:  ft=cpp is the file type\n", "cpp"),  # Vim would read this too
    # Emacs, first line or second after `#!`.
    ("// -*- mode: c++ -*-\n", "c++"),
    ("/* -*- C++ -*- */\n", "c++"),
    ("/* -*- Mode: C; c-basic-offset: 4 -*- */\n", "c"),
    ("// -*- c-basic-offset: 4; mode: c++; -*-\n", "c++"),
    ("// -*- mode: c++-mode -*-\n", "c++"),
    ("# -*- mode: python-ts -*-\n", "python"),
    ("// -*- mode: js2-jsx -*-\n", "js2-jsx"),
    ("# -*- coding: utf-8 -*-\n", None),
    ("// -*- c-basic-offset: 4 -*-\n", None),
    ("#!/bin/sh\n# -*- mode: python -*-\n", "python"),
    ("\n// -*- mode: c++ -*-\n", None),  # Emacs reads only the first line
    ("#!/bin/sh\n\n# -*- mode: python -*-\n", None),
    ("/* -*- ObjC -*- */\n", "objc"),
    ("// ----*---- Section ----*----\n", None),  # a banner, not a mode
    ("/*-*-*-*-*-*-*-*-*/\n", None),
    ("// -*- mode: web -*-\n// vim: set ft=javascriptreact:\n", "javascriptreact"),
    ("// -*- mode: c-or-c++ -*-\n", None),  # Emacs' own content-based choice: ours decides
    ("// vim: set ft=fundamental:\n", None),
    ("// -*- mode: c++ -*-\n// vim: set ft=c:\n", "c++"),  # Emacs' line first
    # Emacs' Local Variables block, at the end.
    ("int x;\n/* Local Variables: */\n/* mode: c++ */\n/* End: */\n", "c++"),
    ("x = 1\n# Local Variables:\n# indent-tabs-mode: nil\n# mode: python\n# End:\n", "python"),
    ("int x;\n/* Local Variables: */\n/* c-basic-offset: 4 */\n/* End: */\n", None),
    ("int x;\n/* Local Variables: */\n/* End: */\n/* mode: c++ */\n", None),
    ("int x;\n/* Local Variables: */\nmode: c++\n", None),  # not the block's prefix
])
def test_modeline_filetype(text: str, filetype: str | None) -> None:
    assert modeline_filetype(text) == filetype


def test_vim_reads_only_the_first_and_last_five_lines() -> None:
    body = [f"int x{i};" for i in range(20)]
    for position, found in [(0, True), (4, True), (5, False), (14, False), (15, True),
                            (19, True)]:
        lines = list(body)
        lines[position] = "// vim: set ft=cpp:"
        assert modeline_filetype("\n".join(lines) + "\n") == ("cpp" if found else None), position
    short = "int a;\n" * 3 + "// vim: set ft=cpp:\n"  # short files: every line is first or last
    assert modeline_filetype(short) == "cpp"


def test_modeline_in_the_tail() -> None:
    head = "/* header */\n" + "int x;\n" * 100
    tail_lines = ["cut off line // vim: set ft=c:", *["int y;"] * 4, "// vim: set ft=cpp:"]
    assert modeline_filetype(head, "\n".join(tail_lines) + "\n") == "cpp"
    # The tail's first line is cut off: a modeline there is not trusted.
    assert modeline_filetype(head, "// vim: set ft=cpp:\nint y;\n") is None
    # A sixth-from-last line is not read, as in Vim.
    six = ["partial", "// vim: set ft=cpp:", *["int y;"] * 5]
    assert modeline_filetype(head, "\n".join(six) + "\n") is None
    # The head's last lines are not the file's when there is a tail.
    assert modeline_filetype(head + "// vim: set ft=cpp:\n" + "int z;\n" * 10,
                             "partial\nint y;\n") is None
    # Emacs' Local Variables come from the tail too.
    assert modeline_filetype(head, "x\n/* Local Variables: */\n/* mode: c++ */\n/* End: */\n") \
        == "c++"


@pytest.mark.parametrize(("name", "head", "expected"), [
    ("a.h", b"/* -*- C++ -*- */\nint f(void);\n", Detection("cpp", "modeline")),
    ("a.h", b"// vim: set ft=c:\nnamespace x {}\n", Detection("c", "modeline")),
    ("a.h", b"/* -*- mode: objc -*- */\n@interface X\n@end\n",
     Detection(None, not_source="other language: modeline says objc")),
    ("a.js", b"// vim: set ft=typescript:\nlet x: number = 1;\n",
     Detection("typescript", "modeline")),
    ("a.js", b"// vim: set ft=javascriptreact:\nf();\n",
     Detection("javascript", "modeline", "jsx")),
    ("a.js", b"// -*- mode: js2 -*-\nconst a = <A/>;\n",
     Detection("javascript", "modeline", "jsx")),
    ("a.js", b"// vim: set ft=json:\n",
     Detection(None, not_source="other language: modeline says json")),
    ("a.ts", b"// vim: set ft=typescriptreact:\n", Detection("typescript", "modeline", "tsx")),
    ("tool", b"# vim: set ft=python:\nprint(1)\n", Detection("python", "modeline")),
    ("tool", b"#!/bin/sh\n# -*- mode: python -*-\n", Detection("python", "modeline")),
    ("tool", b"#!/usr/bin/env python3\n# vim: set ft=sh:\n", Detection(None)),  # not ours: silent
    ("tool", b"#!/usr/bin/env python3\nprint(1)\n", Detection("python", "shebang")),
    ("tool", b"#!/usr/bin/env node\nrender(<App />);\n", Detection("javascript", "shebang", "jsx")),
    ("tool", b"#!/bin/bash\necho hi\n", Detection(None)),
    ("tool", b"#!/usr/bin/perl\n", Detection(None)),
    ("tool", b"\x7fELF\x02\x01\x01\x00 vim: set ft=python: \x00\x00", Detection(None)),  # binary
    ("ChangeLog", b"-*- mode: change-log -*-\n", Detection(None)),
    ("README", b"Read me.\n", Detection(None)),
])
def test_classify_by_modeline_and_shebang(name: str, head: bytes, expected: Detection) -> None:
    assert classify(name, head) == expected


def test_every_modeline_name_is_one_of_ours() -> None:
    for name, (language, dialect) in MODELINE_NAMES.items():
        assert name == name.lower()
        assert dialect in ("", "jsx", "tsx")
        assert classify("script", f"# vim: set ft={name}:\n".encode()).language == language


# --- .h: C or C++ -----------------------------------------------------------------------------


@pytest.mark.parametrize("code", [
    "namespace fmt {\n",
    "namespace {\nint x;\n}\n",
    "namespace a::b {\n",
    "namespace fs = std::filesystem;\n",
    "using namespace std;\n",
    "using Callback = void (*)(int);\n",
    "template <typename T> T max(T a, T b);\n",
    "template<class T>\nstruct S;\n",
    "class Foo {\n int x;\n};\n",
    "class Foo;\n",
    "class LEVELDB_EXPORT DB {\n",
    "class Derived : public Base {\n",
    "class Final final {\n",
    "struct Derived : public Base {\n",
    "struct Derived : Base<int> {\n",
    "enum class Color { red };\n",
    "struct S {\npublic:\n  int x;\n};\n",
    "  private:\n",
    "int x = std::max(1, 2);\n",
    "void Foo::bar();\n",
    "Foo::~Foo();\n",
    "int y = ::global;\n",
    "bool operator==(const A& a, const A& b);\n",
    "A& operator=(const A&);\n",
    "int operator()(int x);\n",
    "int& operator[](int i);\n",
    "operator bool() const;\n",
    "void* operator new(size_t n);\n",
    "virtual void f() = 0;\n",
    "virtual ~Base();\n",
    "int* p = nullptr;\n",
    "constexpr int N = 3;\n",
    "void f() noexcept;\n",
    "decltype(x) y;\n",
    "int i = static_cast<int>(d);\n",
    'extern "C" {\nint f(void);\n}\n',  # not behind `#ifdef __cplusplus`: C cannot read it
    'extern "C" int f(void);\n',
    'extern "C++" {\n',
    "#include <iostream>\n",
    "#include <cstdio>\n",
    "#  include <QString>\n",
    '#include "util.hpp"\n',
    '#include "detail/impl.hh"\n',
    "#define FMT_BEGIN_NAMESPACE namespace fmt {\n",  # macro bodies are code too
    "#define DECL(x) \\\n  template <class T> x\n",
    # A C++ construct inside a __cplusplus block does not count, but one outside does.
    "#ifdef __cplusplus\nnamespace a {}\n#endif\nnamespace b {}\n",
])
def test_header_cpp(code: str) -> None:
    assert header_language(code) == "cpp"


@pytest.mark.parametrize("code", [
    # C with C++ guards: the classic, in its variants.
    '#ifdef __cplusplus\nextern "C" {\n#endif\nint f(void);\n#ifdef __cplusplus\n}\n#endif\n',
    '#if defined(__cplusplus)\nextern "C" {\n#endif\n',
    '#if defined(_WIN32)\n#elif defined(__cplusplus)\nextern "C" {\n#endif\n',
    "#ifndef __cplusplus\ntypedef int bool;\n#endif\n",
    # C++ inside the guards (a C++ convenience wrapper, redis' lzfP.h) does not make it C++.
    "#ifdef __cplusplus\n# include <cstring>\nusing namespace std;\n#endif\nint lzf(void);\n",
    "#if __cplusplus >= 201103L\ntemplate <class T> struct X;\n#else\nint y;\n#endif\n",
    # What C++ cannot contain.
    "#define type_of(x) _Generic((x), int: 1, default: 0)\n",
    "void copy(char *restrict dst, const char *restrict src);\n",
    "_Noreturn void die(void);\n",
    "_Static_assert(sizeof(int) == 4, \"int\");\n",
    "struct node { struct node *new; };\n",
    "int f(int *class);\n",
    "x = p->class;\n",
    "free_all(list, delete);\n",
])
def test_header_c(code: str) -> None:
    assert header_language(code) == "c"


@pytest.mark.parametrize("code", [
    "",
    "int f(void);\n",
    "#ifndef LUA_H\n#define LUA_H\n#include <stdarg.h>\n#include \"luaconf.h\"\n#endif\n",
    "typedef struct Token {\n  int token;\n} Token;\n",
    "struct lua_longjmp;\n",
    "struct S { unsigned a : 3; unsigned b : 5; };\n",
    "int x = a ? b : c;\n",
    "#include <sys/types.h>\n",
    # C++ markers where they are not code.
    "// namespace fmt {\n",
    "/* class Foo {\n   template <class T> */\n",
    'const char *s = "std::string";\n',
    "const char *s = \"namespace x {\";\n",
    "char c = ':'; char d = ':';\n",
    "#error \"use namespace std::x\"\n",
    "#pragma GCC diagnostic ignored \"-Wfoo\"\n",
    "[[gnu::unused]] static int x;\n",  # C23 attributes have `::` too
    # C identifiers that only look like C++ keywords.
    "int operator;\nint virtual;\nint public_count;\n",
    "int classify(int x);\nint template_id;\n",
    "label:\npublic_label:\n",
    "a.operator = 1;\n",
])
def test_header_undecided(code: str) -> None:
    assert header_language(code) is None


def test_header_literal_edge_cases() -> None:
    # A quote in a character literal, a comment opener in a string, a line continuation inside
    # a comment: none of them may hide or invent code.
    assert header_language("char q = '\"'; namespace x {}\n") == "cpp"
    assert header_language('const char *s = "/*"; namespace x {}\n') == "cpp"
    assert header_language("char c = '\\''; int f(void);\n") is None
    assert header_language("// comment \\\n namespace x {\n") is None  # continued comment
    assert header_language("/* unterminated\nnamespace x {\n") is None  # head cut in a comment
    assert header_language('#include "plain.h"\nconst char *s = "\\"class X {";\n') is None


def test_classify_header() -> None:
    assert classify("x/a.h", b"namespace x {}\n") == Detection("cpp", "content")
    assert classify("x/a.h", b"#ifdef __cplusplus\nextern \"C\" {\n#endif\n") == \
        Detection("c", "content")
    assert classify("x/a.h", b"int f(void);\n") == Detection("c", tiebreak=True)
    assert classify("x/a.h", b"\xef\xbb\xbfnamespace x {}\r\n") == Detection("cpp", "content")


# Real headers, abridged but verbatim in what matters.
LUA_LAUXLIB_H = b"""/*
** $Id: lauxlib.h $
** Auxiliary functions for building Lua libraries
** See Copyright Notice in lua.h
*/


#ifndef lauxlib_h
#define lauxlib_h


#include <stddef.h>
#include <stdio.h>

#include "luaconf.h"
#include "lua.h"


/* global table */
#define LUA_GNAME\t"_G"


typedef struct luaL_Buffer luaL_Buffer;

typedef struct luaL_Reg {
  const char *name;
  lua_CFunction func;
} luaL_Reg;

LUALIB_API void (luaL_checkversion_) (lua_State *L, lua_Number ver, size_t sz);
#endif
"""

LEVELDB_C_H = b"""/* Copyright (c) 2011 The LevelDB Authors. All rights reserved.
  Use of this source code is governed by a BSD-style license that can be
  found in the LICENSE file. See the AUTHORS file for names of contributors.

  C bindings for leveldb.  May be useful as a stable ABI that can be
  used by programs that keep leveldb in a shared library, or for
  a JNI api.
*/

#ifndef STORAGE_LEVELDB_INCLUDE_C_H_
#define STORAGE_LEVELDB_INCLUDE_C_H_

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "leveldb/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Exported types */

typedef struct leveldb_t leveldb_t;

LEVELDB_EXPORT leveldb_t* leveldb_open(const leveldb_options_t* options,
                                       const char* name, char** errptr);

#ifdef __cplusplus
} /* end extern "C" */
#endif

#endif /* STORAGE_LEVELDB_INCLUDE_C_H_ */
"""

LEVELDB_SLICE_H = b"""// Copyright (c) 2011 The LevelDB Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be
// found in the LICENSE file. See the AUTHORS file for names of contributors.
//
// Slice is a simple structure containing a pointer into some external
// storage and a size.  The user of a Slice must ensure that the slice
// is not used after the corresponding external storage has been
// deallocated.

#ifndef STORAGE_LEVELDB_INCLUDE_SLICE_H_
#define STORAGE_LEVELDB_INCLUDE_SLICE_H_

#include <cassert>
#include <cstddef>
#include <cstring>
#include <string>

#include "leveldb/export.h"

namespace leveldb {

class LEVELDB_EXPORT Slice {
 public:
  // Create an empty slice.
  Slice() : data_(""), size_(0) {}
"""

HIREDIS_QT_H = b"""#ifndef __HIREDIS_QT_H__
#define __HIREDIS_QT_H__
#include <QSocketNotifier>
#include "../async.h"

static void RedisQtAddRead(void *);

class RedisQtAdapter : public QObject {

    Q_OBJECT

    friend
    void RedisQtAddRead(void * adapter) {
"""


@pytest.mark.parametrize(("head", "expected"), [
    (LUA_LAUXLIB_H, None),  # plain C declarations: left to the directory
    (LEVELDB_C_H, "c"),  # a C API inside a C++ project: C with guards
    (LEVELDB_SLICE_H, "cpp"),
    (HIREDIS_QT_H, "cpp"),  # a C++ (Qt) adapter inside a C project
])
def test_real_headers(head: bytes, expected: str | None) -> None:
    assert header_language(head.decode()) == expected


def test_header_language_by_directory() -> None:
    votes = count_c_family_votes([
        "cpp/src/a.cc", "cpp/src/b.cpp", "cpp/include/x.hpp",
        "c/src/a.c", "c/src/b.c",
        "mixed/a.c", "mixed/b.cpp",
        "mostly_cpp/src/" + "a.cc", *[f"mostly_cpp/src/{i}.cc" for i in range(8)],
        "mostly_cpp/test/c_test.c",
        "gcc/a.C",
        "top.h", "notes.txt", "cpp/include/y.h",
    ])
    assert votes[""] == (4, 14)
    assert votes["cpp"] == (0, 3)
    assert votes["cpp/include"] == (0, 1)
    assert votes["mostly_cpp"] == (1, 9)
    assert "notes" not in votes

    assert header_language_by_directory("cpp/include/y.h", votes) == "cpp"  # its own directory
    assert header_language_by_directory("cpp/include/deep/y.h", votes) == "cpp"  # a parent's
    assert header_language_by_directory("cpp/other/y.h", votes) == "cpp"  # cpp/ has 3 C++
    assert header_language_by_directory("c/include/y.h", votes) == "c"
    assert header_language_by_directory("mixed/y.h", votes) is None  # 1 C, 1 C++: no majority
    assert header_language_by_directory("mostly_cpp/include/y.h", votes) == "cpp"  # 9 of 10
    assert header_language_by_directory("mostly_cpp/test/y.h", votes) == "c"  # nearest decides
    assert header_language_by_directory("gcc/y.h", votes) == "cpp"
    assert header_language_by_directory("y.h", votes) is None  # the root: 4 C, 14 C++
    assert header_language_by_directory("y.h", count_c_family_votes(["a.h", "b.py"])) is None


# --- .ts: TypeScript, video or XML ------------------------------------------------------------


def transport_stream(packets: int, *, seed: int = 0, nul: bool = False,
                     packet_size: int = 188) -> bytes:
    """MPEG-TS-looking bytes: a sync byte 0x47 starting every packet (after a 4-byte timestamp
    for 192-byte M2TS packets), random payload; NUL-free unless `nul`."""
    rng = random.Random(seed)
    out = bytearray()
    for _ in range(packets):
        if packet_size == 192:
            out += bytes(rng.randrange(1, 256) for _ in range(4))
        out.append(0x47)
        low = 0 if nul else 1
        out += bytes(rng.randrange(low, 256) for _ in range(187))
    return bytes(out)


def test_transport_stream_is_not_typescript() -> None:
    video = transport_stream(60)
    assert b"\0" not in video
    reason = "not source: MPEG transport stream"
    assert classify("clip.ts", video[:CONTENT_HEAD_SIZE]) == Detection(None, not_source=reason)
    assert classify("clip.TS", transport_stream(3, nul=True)) == Detection(None,
                                                                          not_source=reason)
    assert classify("clip.ts", transport_stream(60, packet_size=192)[:CONTENT_HEAD_SIZE]) == \
        Detection(None, not_source=reason)
    assert is_mpeg_transport_stream(transport_stream(2))
    # Too short to tell, or a sync byte missing: not a transport stream (then it is TypeScript
    # by name, and the walk's binary check reports it if it has NUL bytes).
    assert not is_mpeg_transport_stream(transport_stream(1))
    broken = bytearray(transport_stream(10))
    broken[188 * 7] = 0x48
    assert not is_mpeg_transport_stream(bytes(broken))
    # The sync pattern in other extensions means nothing.
    assert classify("clip.js", video) == Detection("javascript")


def test_typescript_with_g_at_every_sync_position_is_typescript() -> None:
    line = "Greeter.greet(name);".ljust(187) + "\n"  # 188 bytes, `G` at 0, 188, 376, ...
    source = (line * 50).encode()
    assert all(source[i] == 0x47 for i in range(0, len(source), 188))
    assert not is_mpeg_transport_stream(source[:CONTENT_HEAD_SIZE])
    assert classify("greeter.ts", source[:CONTENT_HEAD_SIZE]) == Detection("typescript")
    # Form feeds and tabs are text too.
    assert classify("g.ts", ("G\t\f" + "x" * 185) .encode() * 3) == Detection("typescript")


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")) | st.sampled_from(
    "\t\n\r"), max_size=2000)


@settings(max_examples=300, deadline=None)
@given(prefix=_TEXT, packet=_TEXT, packets=st.integers(1, 45))
def test_text_is_never_a_transport_stream(prefix: str, packet: str, packets: int) -> None:
    # UTF-8 text shaped to have `G` at every 188th byte, as a sync byte would be, is TypeScript.
    payload = packet.encode()[:187].decode(errors="ignore").encode()
    unit = b"G" + payload + b"x" * (187 - len(payload))
    aligned = unit * packets
    assert all(aligned[i] == 0x47 for i in range(0, len(aligned), 188))
    assert not is_mpeg_transport_stream(aligned[:CONTENT_HEAD_SIZE])
    if modeline_filetype(aligned[:CONTENT_HEAD_SIZE].decode(errors="replace")) is None:
        assert classify("g.ts", aligned[:CONTENT_HEAD_SIZE]) == Detection("typescript")
    assert not is_mpeg_transport_stream((prefix.encode() + aligned)[:CONTENT_HEAD_SIZE])


def test_qt_linguist_translation_is_not_typescript() -> None:
    qt = (b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n'
          b'<TS version="2.1" language="de">\n')
    assert classify("app_de.ts", qt) == Detection(
        None, not_source="not source: XML (Qt Linguist translation)")
    assert classify("app_de.ts", b"\xef\xbb\xbf\n<TS version=\"2.0\">\n") == Detection(
        None, not_source="not source: XML (Qt Linguist translation)")
    assert classify("data.ts", b"<?xml version=\"1.0\"?>\n<root/>\n") == Detection(
        None, not_source="not source: XML")
    assert classify("cast.ts", b"const x = <any>y;\n") == Detection("typescript")
    assert classify("a.ts", b"") == Detection("typescript")


# --- JSX in .js -------------------------------------------------------------------------------


@pytest.mark.parametrize("code", [
    'export default function App() {\n  return <div className="app">Hello</div>;\n}\n',
    "const App = () => (\n  <main>\n    <Header title={t} />\n  </main>\n);\n",
    "ReactDOM.render(<App />, document.getElementById('root'));\n",
    "const el = <Foo.Bar x={1} />;\n",
    "const list = items.map(i => <li key={i}>{i}</li>);\n",
    "return <>\n  <A/>\n</>;\n",
    "const b = <Button onClick={() => setOpen(x => !x)} />;\n",
    "const x = cond ? <A /> : null;\n",
    "const y = ok && <Spinner size=\"s\" />;\n",
    "export default <svg:rect width=\"1\"></svg:rect>;\n",
])
def test_jsx(code: str) -> None:
    assert has_jsx(code)
    assert classify("src/app.js", code.encode()) == Detection("javascript", dialect="jsx")


@pytest.mark.parametrize("code", [
    "if (a < b && c > d) { f(); }\n",
    "for (let i = 0; i<n; i++) {}\n",
    "const f = <T>(x) => x;\n",  # a Flow generic arrow function, no element
    "const html = `<div>${name}</div>`;\n",
    "const html = '<div class=\"x\"></div>';\n",
    "el.innerHTML = \"<br/>\";\n",
    "// return <div/>;\n",
    "/* const a = <A/>; */\n",
    "const re = /<div>(.*)<\\/div>/;\n",
    "x = a<b>c;\n",
    "if (x <y) { z = 1; } // y>\n",
    "module.exports = function (a, b) { return a < b ? -1 : a > b ? 1 : 0; };\n",
])
def test_no_jsx(code: str) -> None:
    assert not has_jsx(code)
    assert classify("src/util.js", code.encode()) == Detection("javascript")


# --- real corpora (when fetched) --------------------------------------------------------------

CORPORA = Path(os.environ.get("CODEMESH_CORPORA", Path.home() / ".cache" / "codemesh-corpora"))


@pytest.mark.parametrize(("corpus", "expected"), [
    ("c/lua5.4-5.4.4-3+deb12u1", {"c": 27}),
    ("c/redis-7.0.15-1~deb12u7", {"c": 226, "cpp": 3}),
    ("cpp/leveldb-1.23-4", {"c": 1, "cpp": 55}),
    ("cpp/fmtlib-9.1.0+ds1-2", {"cpp": 20}),
    ("cpp/googletest-1.12.1-0.2", {"cpp": 49}),
    ("cpp/nlohmann-json3-3.11.2-2", {"c": 1, "cpp": 16}),
])
def test_real_corpus_headers(corpus: str, expected: dict[str, int]) -> None:
    """Every `.h` of the pinned corpora (`scripts`' get.sh c cpp), walked as a job would be. The
    exceptions are real: redis ships a Qt adapter and an MSVC C++ test with its C; leveldb's
    `c.h` and nlohmann-json's vendored `FuzzerInterface.h` are C APIs with `__cplusplus`
    guards."""
    from mesh.walk import walk

    root = CORPORA / corpus
    if not root.is_dir():
        pytest.skip(f"corpus not fetched: bash /work/shared/corpora/get.sh ({root})")
    counts: dict[str, int] = {}
    for source in walk(root).files:
        if source.path.endswith(".h"):
            counts[source.language] = counts.get(source.language, 0) + 1
    assert counts == expected


def test_tail_size_fits_in_head_size() -> None:
    # The walk reads the tail only when the file is longer than the head; the tail's first line
    # is then always cut off (or a whole line lost, never a modeline misread).
    assert CONTENT_TAIL_SIZE <= CONTENT_HEAD_SIZE
