"""Snapshot every analyzer's full result on every corpus, to prove a refactoring changes nothing.

`write OUT` runs the analyzer registered for each file's language over every corpus on disk
(~/.cache/codemesh-corpora, or $CODEMESH_CORPORA) and writes one JSON line per file: corpus,
path, analyzer id and the whole FileAnalysis. `compare BASE NEW` prints every file whose result
differs, with the first differing fields, and exits non-zero if any does. Take a snapshot before
a change to the engine or an analyzer and compare after it; an intended change of results is
explained (and the analyzer's `version` bumped), never waved through.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

CORPORA = Path(os.environ.get("CODEMESH_CORPORA", Path.home() / ".cache/codemesh-corpora"))


def write(out: Path, languages: set[str] | None) -> None:
    from mesh.walk import walk
    from worker.analyzers.registry import analyzers

    registry = analyzers()
    count = 0
    with out.open("w") as sink:
        for lang in sorted(CORPORA.iterdir()) if CORPORA.is_dir() else []:
            if not lang.is_dir() or (languages and lang.name not in languages):
                continue
            for tree in sorted(lang.iterdir()):
                if not (tree / ".complete").exists():
                    continue
                for source in sorted(walk(tree).files, key=lambda f: f.path):
                    if languages and source.language not in languages:
                        continue
                    analyzer = registry[source.language]
                    result = analyzer.analyze((tree / source.path).read_bytes(), source.path)
                    record = {"corpus": f"{lang.name}/{tree.name}", "path": source.path,
                              "analyzer": analyzer.id, "result": result.model_dump(mode="json")}
                    sink.write(json.dumps(record, sort_keys=True) + "\n")
                    count += 1
    print(f"{count} files -> {out}")


def _load(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    records = {}
    with path.open() as source:
        for line in source:
            record = json.loads(line)
            records[(record["corpus"], record["path"])] = record
    return records


def _differences(a: Any, b: Any, where: str, out: list[str]) -> None:
    if len(out) >= 5:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            _differences(a.get(key), b.get(key), f"{where}.{key}", out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _differences(x, y, f"{where}[{i}]", out)
    elif a != b:
        out.append(f"{where}: {json.dumps(a)[:200]} != {json.dumps(b)[:200]}")


def compare(base: Path, new: Path) -> int:
    old, now = _load(base), _load(new)
    changed = 0
    for key in sorted(set(old) | set(now)):
        if key not in old or key not in now:
            print(f"{key[0]} {key[1]}: only in {'new' if key in now else 'base'}")
            changed += 1
            continue
        if old[key] != now[key]:
            changed += 1
            found: list[str] = []
            _differences(old[key], now[key], "", found)
            print(f"{key[0]} {key[1]}:")
            for line in found:
                print(f"    {line}")
    print(f"{len(old)} files in base, {len(now)} in new, {changed} differ")
    return 1 if changed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    writing = commands.add_parser("write", help="analyze every corpus, write JSON lines")
    writing.add_argument("out", type=Path)
    writing.add_argument("--language", action="append", help="only this language (repeatable)")
    comparing = commands.add_parser("compare", help="diff two snapshots")
    comparing.add_argument("base", type=Path)
    comparing.add_argument("new", type=Path)
    args = parser.parse_args()
    if args.command == "write":
        write(args.out, set(args.language) if args.language else None)
    else:
        sys.exit(compare(args.base, args.new))


if __name__ == "__main__":
    main()
