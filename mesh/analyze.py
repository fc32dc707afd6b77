"""`codemesh analyze`: walk a tree, upload what the store lacks, submit the job, follow it,
read the report back from the store, and print it.

With no `--broker`, the whole mesh is started embedded for this one job and stopped afterwards.
Errors a user can act on (bad path, unreachable broker) are one clear line and exit code 1 or 2,
never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from mesh import codec, config, discovery, formats, gate, mdp, paths, report, security
from mesh.embedded import EmbeddedError, EmbeddedMesh
from mesh.findings import DEFAULT_SETTINGS, RuleSettings
from mesh.mdp_client import BrokerUnavailable, MdpClient
from mesh.models import BrokerInfo, JobManifest, JobProgress, SubmitRequest
from mesh.repository import Repository
from mesh.store_client import StoreClient, StoreRequestError, StoreUnavailable
from mesh.walk import DEFAULT_MAX_FILE_SIZE, WalkResult, walk

ProgressCallback = Callable[[str, int, int], None]  # phase, done, total
FORMATS = ["table", "json", *formats.RENDERERS]


class AnalyzeError(RuntimeError):
    """A failure to report to the user as one line."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="root of the codebase to analyze")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N",
                        help="worker processes of the embedded mesh (default: one per core)")
    parser.add_argument("--format", choices=FORMATS, default="table",
                        help="report format: table, json, sarif (SARIF 2.1.0), csv (one row "
                             "per function) or checkstyle (XML) (default: table)")
    parser.add_argument("--output", type=Path, metavar="FILE",
                        help="write the report to FILE instead of stdout (the summary table "
                             "still goes to stdout)")
    parser.add_argument("--fail-on", action="append", default=[], type=_condition,
                        metavar="EXPR", dest="fail_on",
                        help="exit with code 3 if EXPR matches anything, e.g. 'ccn>15', "
                             "'cognitive>25', 'nloc>=200', 'mi<20', 'severity>=major', "
                             "'errors>0' (repeatable; replaces fail_on of the project's "
                             "config; see docs/findings.md)")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                        help="leave out paths matching GLOB, gitignore-style, relative to PATH "
                             "(repeatable), e.g. --exclude 'tests/' --exclude '*.pb.go'")
    parser.add_argument("--store", type=Path, default=None, metavar="DIR",
                        help="LMDB directory of the embedded store, reused across runs "
                             f"(default: {paths.default_store_dir()})")
    parser.add_argument("--broker", metavar="ENDPOINT",
                        help="use the running mesh at this broker instead of an embedded one; "
                             "the broker names its store. `auto`: a broker of --mesh found by "
                             "mDNS")
    discovery.add_arguments(parser)
    security.add_arguments(parser)
    parser.add_argument("--max-file-size", type=int, default=DEFAULT_MAX_FILE_SIZE,
                        metavar="BYTES", help="larger files are skipped and listed "
                        f"(default: {DEFAULT_MAX_FILE_SIZE})")
    parser.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                        help="give up when the mesh has said nothing for this long (default: 30)")


def _condition(text: str) -> gate.Condition:
    try:
        return gate.parse(text)
    except gate.GateError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    """Exit codes: 0 done, 1 the mesh failed, 2 bad usage or config, 3 a --fail-on matched."""
    console = Console(stderr=False)
    root: Path = args.path
    if not root.is_dir():
        _error(f"codemesh analyze: {root} is not a directory")
        return 2
    if args.workers < 1:
        _error("codemesh analyze: --workers must be at least 1")
        return 2
    if args.output is not None and not args.output.parent.is_dir():
        _error(f"codemesh analyze: --output {args.output}: {args.output.parent} is not a "
               f"directory")
        return 2
    try:
        project = config.load(root)
    except config.ConfigError as exc:
        _error(f"codemesh analyze: {exc}")
        return 2
    interactive = console.is_terminal
    try:
        with _progress(console, interactive) as on_progress:
            job_report = _analyze(args, root.resolve(), on_progress, project.rules)
    except (AnalyzeError, EmbeddedError, BrokerUnavailable, StoreUnavailable,
            StoreRequestError, discovery.DiscoveryError, security.KeysError) as exc:
        _error(f"codemesh analyze: {exc}")
        return 1
    except KeyboardInterrupt:
        _error("codemesh analyze: interrupted")
        return 130
    try:
        _write(job_report, args, console)
    except OSError as exc:
        _error(f"codemesh analyze: cannot write {args.output}: {exc.strerror or exc}")
        return 1
    conditions = list(args.fail_on) or list(project.fail_on)
    failures = gate.evaluate(job_report, conditions)
    for failure in failures:
        _error(f"codemesh analyze: fail-on {failure.describe()}")
    if failures:
        _error(f"codemesh analyze: quality gate failed: {len(failures)} of {len(conditions)} "
               f"condition(s) matched")
        return 3
    return 0


def _error(message: str) -> None:
    """One plain line on stderr: no markup, no wrapping, so scripts can grep it."""
    print(message, file=sys.stderr)


def _analyze(args: argparse.Namespace, root: Path, on_progress: ProgressCallback,
             rules: RuleSettings = DEFAULT_SETTINGS) -> report.Report:
    on_progress("scanning", 0, 0)
    walked = walk(root, excludes=args.exclude, max_file_size=args.max_file_size)
    if args.broker:
        return asyncio.run(_run_remote(args, root, walked, on_progress, rules))
    store_dir = args.store or paths.default_store_dir()
    log_path = paths.log_dir() / f"embedded-{os.getpid()}.log"
    on_progress("starting mesh", 0, 0)
    with EmbeddedMesh(store_dir, min(args.workers, max(len(walked.files), 1)), log_path) as mesh:
        result = asyncio.run(run_job(mesh.broker, root, walked, on_progress, args.timeout,
                                     rules))
    log_path.unlink(missing_ok=True)  # only a failed run's log is worth keeping
    return result


async def _run_remote(args: argparse.Namespace, root: Path, walked: WalkResult,
                      on_progress: ProgressCallback, rules: RuleSettings) -> report.Report:
    """A job on a running mesh: at --broker, or at a broker found by mDNS (`auto`)."""
    security.configure(args)
    on_progress("finding broker", 0, 0)
    finder = discovery.from_args(args) if args.broker == discovery.AUTO else None
    try:
        broker = await discovery.resolve(args.broker, "broker", finder, args.timeout)
    finally:
        if finder is not None:
            await finder.close()
    return await run_job(broker, root, walked, on_progress, args.timeout, rules)


async def run_job(broker: str, root: Path, walked: WalkResult, on_progress: ProgressCallback,
                  timeout: float = 30.0, rules: RuleSettings = DEFAULT_SETTINGS) \
        -> report.Report:
    """Run one job on the mesh at `broker` and return its report."""
    client = MdpClient(broker, timeout=timeout)
    try:
        info = codec.unpack((await client.request(mdp.SERVICE_INFO, []))[0], BrokerInfo)
        async with StoreClient(info.store) as store:
            repo = Repository(store)
            await _upload(repo, walked, on_progress)
            started = _now()
            manifest = JobManifest(job=_job_id(), root=str(root), files=walked.files,
                                   errors=walked.errors, skipped=walked.skipped,
                                   submitted=started)
            digest = await repo.put_manifest(manifest)
            final = await _follow(client, SubmitRequest(job=manifest.job, manifest=digest),
                                  on_progress)
            if final.state != "finished":
                raise AnalyzeError(f"job {manifest.job} {final.state}: {final.error}")
            results = await repo.job_results(manifest.job)
            failed = [t for t in await repo.tasks(manifest.job) if t.state == "failed"]
            return report.build_report(manifest, results, failed, started, _now(), rules)
    finally:
        client.close()


async def _upload(repo: Repository, walked: WalkResult, on_progress: ProgressCallback) -> None:
    missing = await repo.missing_blobs(sorted(walked.blobs))
    on_progress("uploading", 0, len(missing))
    sent = 0

    def contents() -> Iterator[bytes]:
        nonlocal sent
        for digest in missing:
            sent += 1
            on_progress("uploading", sent, len(missing))
            yield walked.blobs[digest].read_bytes()

    await repo.put_blobs(contents())


async def _follow(client: MdpClient, submit: SubmitRequest, on_progress: ProgressCallback) \
        -> JobProgress:
    last: JobProgress | None = None
    async for final, body in client.stream(mdp.SERVICE_SUBMIT, [codec.pack(submit)]):
        try:
            last = codec.unpack(body[0], JobProgress)
        except (codec.DecodeError, IndexError):
            raise AnalyzeError(f"the broker refused the job: {body[:1]!r}") from None
        on_progress("analyzing", last.files_done, last.files_total)
        if final:
            return last
    raise AnalyzeError("the broker ended the job without a final answer")


def _job_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + "-" + secrets.token_hex(4)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _progress:
    """A progress bar on a terminal (files done / total, rate, ETA); silence otherwise."""

    def __init__(self, console: Console, interactive: bool) -> None:
        self.bar: Progress | None = None
        if interactive:
            self.bar = Progress(
                SpinnerColumn(), TextColumn("{task.description:<14}"), BarColumn(),
                MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
                console=console, transient=True)
        self.task: TaskID | None = None
        self.started = time.monotonic()
        self.phase = ""

    def __enter__(self) -> ProgressCallback:
        if self.bar is not None:
            self.bar.start()
            self.task = self.bar.add_task("scanning", total=None, rate="")
        return self.update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def update(self, phase: str, done: int, total: int) -> None:
        if self.bar is None or self.task is None:
            return
        if phase != self.phase:
            self.phase = phase
            self.started = time.monotonic()
            self.bar.reset(self.task, total=total or None, description=phase, rate="")
        elapsed = time.monotonic() - self.started
        rate = f"{done / elapsed:,.0f} files/s" if elapsed > 0.5 and done else ""
        self.bar.update(self.task, completed=done, total=total or None, rate=rate)


def _write(job_report: report.Report, args: argparse.Namespace, console: Console) -> None:
    """The report in its format on stdout, or in --output with the summary table on stdout."""
    if args.format == "table":
        if args.output:
            with args.output.open("w", encoding="utf-8") as handle:
                report.render_table(job_report, Console(file=handle, width=120))
        report.render_table(job_report, console)
        return
    text = report.to_json(job_report) if args.format == "json" \
        else formats.RENDERERS[args.format](job_report)
    if args.output:
        args.output.write_text(text, encoding="utf-8", newline="")
        report.render_table(job_report, console)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
