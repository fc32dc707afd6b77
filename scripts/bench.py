"""codemesh benchmarks, each against a named baseline measured in the same run.

analyzers: per-language throughput (NLOC/s on one core) of codemesh's analyzer for that
language, with every metric on, next to lizard on the same files and tree-sitter's bare parse
(the floor no tree-sitter analyzer can beat), on every corpus that is on disk.

analyze-vs-lizard: wall time of `codemesh analyze` (embedded mesh: store, broker, one worker
per core) on a real corpus, next to the `lizard` CLI on exactly the files codemesh analyzed,
single-process and with one process per core (`lizard -t N`). Both produce the same
per-function numbers (tests/e2e/test_corpus.py checks that), so the ratio is the cost or gain
of the mesh. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPORA = Path(os.environ.get("CODEMESH_CORPORA", Path.home() / ".cache/codemesh-corpora"))
DEFAULT_CORPORA = ["python/python-django-3.2.25-0+deb12u3",
                   "go/golang-github-prometheus-client-golang-dev-1.14.0-3"]


def timed(command: list[str], **kwargs: object) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, **kwargs)  # type: ignore[call-overload]
    return time.perf_counter() - start


def bench_corpus(corpus: str, workers: int, runs: int) -> None:
    root = CORPORA / corpus
    if not (root / ".complete").exists():
        print(f"{corpus}: not fetched (bash ../shared/corpora/get.sh {corpus.split('/')[0]})")
        return
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, XDG_CACHE_HOME=str(Path(tmp) / "cache"))
        report_path = Path(tmp) / "report.json"
        analyze = [sys.executable, "-m", "mesh", "analyze", str(root), "--workers", str(workers),
                   "--format", "json", "--output", str(report_path), "--store",
                   str(Path(tmp) / "store")]
        cold = timed(analyze, env=env)  # empty store: every blob is uploaded
        warm = min(timed(analyze, env=env) for _ in range(runs))  # blobs already stored
        report = json.loads(report_path.read_text())
        paths = [f["path"] for f in report["files"]]
        nloc = report["summary"]["nloc"]
        listing = Path(tmp) / "files.txt"
        listing.write_text("\n".join(paths) + "\n")
        lizard = [sys.executable, "-m", "lizard", "-i", "-1", "--csv", "-f", str(listing)]
        single = min(timed([*lizard, "-t", "1"], cwd=root) for _ in range(runs))
        parallel = min(timed([*lizard, "-t", str(workers)], cwd=root) for _ in range(runs))

    print(f"\n{corpus}: {len(paths)} files, {nloc:,} nloc, {workers} workers / lizard -t {workers}")
    print(f"{'run':<34}{'seconds':>9}{'nloc/s':>12}{'vs lizard -t N':>16}")
    for name, seconds in [
        ("lizard CLI, 1 process", single),
        (f"lizard CLI, {workers} processes", parallel),
        ("codemesh analyze, cold store", cold),
        ("codemesh analyze, blobs stored", warm),
    ]:
        print(f"{name:<34}{seconds:>9.2f}{nloc / seconds:>12,.0f}{seconds / parallel:>15.2f}x")


def bench_analyzers(corpora: list[str], runs: int) -> None:
    from mesh.walk import walk
    from worker import analysis as lizard
    from worker.analyzers.engine import TreeSitterAnalyzer
    from worker.analyzers.registry import analyzers

    print(f"\n{'corpus':<52}{'files':>6}{'nloc':>9}{'ours':>10}{'lizard':>10}{'parse':>10}"
          f"{'ours/lizard':>12}   (NLOC/s, one core)")
    for corpus in corpora:
        root = CORPORA / corpus
        if not (root / ".complete").exists():
            continue
        found = walk(root)
        files = [(f, (root / f.path).read_bytes()) for f in found.files]
        if not files:
            continue
        registry = analyzers()
        ours = theirs = parse = 0.0
        nloc = 0
        for source, data in files:  # each file's best of `runs`, the three interleaved
            analyzer = registry[source.language]
            best = [float("inf")] * 3
            for _ in range(runs):
                start = time.perf_counter()
                result = lizard.analyze(data, source.language, source.path)
                best[0] = min(best[0], time.perf_counter() - start)
                start = time.perf_counter()
                analyzer.analyze(data, source.path)
                best[1] = min(best[1], time.perf_counter() - start)
                if isinstance(analyzer, TreeSitterAnalyzer):
                    start = time.perf_counter()
                    analyzer.parser.parse(data)
                    best[2] = min(best[2], time.perf_counter() - start)
            nloc += result.nloc
            theirs += best[0]
            ours += best[1]
            if best[2] < float("inf"):
                parse += best[2]
        kinds = {registry[f.language].id for f, _ in files}
        parse_rate = f"{nloc / parse:>10,.0f}" if parse else f"{'-':>10}"
        print(f"{corpus:<52}{len(files):>6}{nloc:>9,}{nloc / ours:>10,.0f}{nloc / theirs:>10,.0f}"
              f"{parse_rate}{theirs / ours:>11.2f}x   {', '.join(sorted(kinds))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", action="append", help="LANG/NAME-VERSION under the corpora "
                        f"folder (repeatable; default: {', '.join(DEFAULT_CORPORA)})")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--runs", type=int, default=1, help="repeats; the best is shown (for "
                        "the analyzers, each file's best time of each tool)")
    parser.add_argument("--only", choices=["analyze", "analyzers"],
                        help="run one benchmark (default: all)")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}")
    if args.only in (None, "analyzers"):
        available = sorted(f"{lang.name}/{tree.name}" for lang in CORPORA.iterdir()
                           if lang.is_dir() for tree in lang.iterdir()) \
            if CORPORA.is_dir() else []
        bench_analyzers(args.corpus or available, args.runs)
    if args.only in (None, "analyze"):
        for corpus in args.corpus or DEFAULT_CORPORA:
            bench_corpus(corpus, args.workers, args.runs)


if __name__ == "__main__":
    main()
