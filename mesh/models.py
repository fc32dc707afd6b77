"""Pydantic models for every body that crosses a process boundary: wire, store and report.

These are the contract between roles. `broker`, `worker` and the client meet only through them and
the protocol in `mesh.mdp`; nothing here does I/O.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Literal["python", "go", "c", "cpp", "javascript", "typescript", "rust", "java"]
LANGUAGES: tuple[Language, ...] = (
    "python", "go", "c", "cpp", "javascript", "typescript", "rust", "java",
)


class Model(BaseModel):
    """Base for all wire models: unknown fields are ignored so newer peers can add fields."""

    model_config = ConfigDict(extra="ignore", frozen=False)


# --- files and their analysis -----------------------------------------------------------------


class FileError(Model):
    """A file that was selected for analysis but could not be analyzed, and why."""

    path: str
    kind: str  # binary, unreadable, decode, too-large, analyzer, timeout, task-failed, ...
    message: str


class SkippedFile(Model):
    """A file left out on purpose (size limit, symlink): reported so nothing is dropped silently."""

    path: str
    reason: str


class SourceFile(Model):
    """One file of a job's manifest. `path` is relative to the job root and `/`-separated."""

    path: str
    sha256: str  # hex
    size: int
    language: Language
    # How `language` was decided (`mesh.languages.DetectedBy`): extension, shebang, modeline,
    # content or directory — so a report can say why, never a silent guess.
    detected_by: str = "extension"
    dialect: str = ""  # "jsx" (a `.jsx`, or JSX found in a `.js`), "tsx" (a `.tsx`), else ""


FunctionKind = Literal["function", "method", "lambda", "closure", "constructor"]
ClassKind = Literal["class", "interface", "struct", "trait", "enum", "impl", "union", "module"]
ImportKind = Literal["static", "relative", "type-only", "dynamic", "conditional"]
Severity = Literal["info", "minor", "major", "critical", "blocker"]
SEVERITIES: tuple[Severity, ...] = ("info", "minor", "major", "critical", "blocker")


class Halstead(Model):
    """Halstead's measures from distinct (n1, n2) and total (N1, N2) operators and operands."""

    n1: int = 0
    n2: int = 0
    N1: int = 0  # Halstead's own names
    N2: int = 0
    vocabulary: int = 0
    length: int = 0
    volume: float = 0.0
    difficulty: float = 0.0
    effort: float = 0.0
    time: float = 0.0
    bugs: float = 0.0


class FunctionMetrics(Model):
    """Per-function metrics. `ccn` follows lizard's definition (lizard is the reference)."""

    name: str
    long_name: str
    start_line: int
    end_line: int
    nloc: int
    ccn: int
    params: int
    tokens: int
    kind: FunctionKind = "function"
    qualified_name: str = ""
    cognitive: int = 0
    max_nesting: int = 0
    halstead: Halstead = Field(default_factory=Halstead)


class Member(Model):
    """A method or field of a class-like type."""

    name: str
    line: int
    visibility: str = ""  # public, private, protected, package, internal; "" if none
    static: bool = False
    constructor: bool = False


class ClassInfo(Model):
    name: str
    kind: ClassKind
    start_line: int
    end_line: int
    bases: list[str] = Field(default_factory=list)  # superclasses, interfaces, traits, as written
    methods: list[Member] = Field(default_factory=list)
    fields: list[Member] = Field(default_factory=list)


class ImportInfo(Model):
    module: str  # as written: "os.path", "./util", "github.com/x/y", "stdio.h"
    names: list[str] = Field(default_factory=list)
    kind: ImportKind = "static"
    line: int = 0


class Finding(Model):
    """A code smell. `fingerprint` survives edits elsewhere in the file (no line numbers in it)."""

    rule: str
    severity: Severity
    message: str
    line: int
    fingerprint: str
    function: str = ""  # qualified name of the function it is about, if any


class AstSummary(Model):
    node_types: dict[str, int] = Field(default_factory=dict)
    max_depth: int = 0
    error_nodes: int = 0


class FileAnalysis(Model):
    """What analyzing one file's content yields. Content-addressed: it carries no path, so one
    result serves every file with the same bytes, language and analyzer options."""

    language: Language
    nloc: int = 0
    functions: list[FunctionMetrics] = Field(default_factory=list)
    error: FileError | None = None  # set when the content could not be analyzed (path is "")
    lines: int = 0  # physical lines
    sloc: int = 0  # lines with code (same as nloc)
    comments: int = 0  # lines with a comment
    blank: int = 0
    halstead: Halstead = Field(default_factory=Halstead)
    mi: float = 100.0
    classes: list[ClassInfo] = Field(default_factory=list)
    imports: list[ImportInfo] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    partial: bool = False  # the parse had errors; metrics cover what tree-sitter recovered
    parse_errors: list[int] = Field(default_factory=list)  # lines of ERROR/MISSING nodes
    ast: AstSummary = Field(default_factory=AstSummary)


# --- jobs and tasks ---------------------------------------------------------------------------

JobState = Literal["queued", "running", "finished", "failed"]
TaskState = Literal["queued", "running", "done", "failed"]


class JobManifest(Model):
    """What a client submits: the files to analyze and what the walk already knows failed."""

    job: str
    root: str
    files: list[SourceFile]
    errors: list[FileError] = Field(default_factory=list)
    skipped: list[SkippedFile] = Field(default_factory=list)
    options: dict[str, str] = Field(default_factory=dict)
    submitted: str  # ISO-8601


class Job(Model):
    """A job's state as the store keeps it. The manifest itself is a blob (`manifest` = sha256)."""

    job: str
    root: str
    manifest: str
    state: JobState = "queued"
    submitted: str
    started: str | None = None
    finished: str | None = None
    tasks_total: int = 0
    tasks_done: int = 0
    tasks_failed: int = 0
    files_total: int = 0
    files_done: int = 0


class Task(Model):
    """One unit of work; state lives in the store so a broker restart loses nothing."""

    task: str
    job: str
    stage: str = "analyze"
    requires: list[str]  # capabilities, all of which the worker must have
    files: list[SourceFile]
    attempt: int = 0
    state: TaskState = "queued"
    error: str | None = None
    not_before: float = 0.0  # unix time before which a retry must not start


class TaskRequest(Model):
    """Body of the MDP REQUEST the scheduler sends to a worker."""

    task: str
    job: str
    stage: str
    files: list[SourceFile]
    attempt: int
    store: str  # the store endpoint the broker uses; the worker may override it


class TaskProgress(Model):
    """Body of a worker's PARTIAL: files finished so far in this task."""

    task: str
    files_done: int


class TaskReport(Model):
    """Body of a worker's FINAL. Results themselves are already acknowledged by the store."""

    task: str
    ok: bool
    files_done: int = 0
    error: str | None = None


class WorkerAdvert(Model):
    """Optional msgpack frame after READY's service name."""

    slots: int = 1
    host: str = ""
    pid: int = 0
    version: str = ""
    tools: dict[str, str] = Field(default_factory=dict)


# --- client <-> broker ------------------------------------------------------------------------


class BrokerInfo(Model):
    """Answer to `codemesh.info`: what a client needs to use this mesh."""

    version: str
    store: str
    workers: int
    capabilities: list[str]


class SubmitRequest(Model):
    """Body of a `codemesh.submit` request: the manifest is a blob already in the store."""

    job: str
    manifest: str  # sha256 of the msgpack-encoded JobManifest in the store's blobs


class JobProgress(Model):
    """Body of the PARTIALs and the FINAL a client receives while following a job."""

    job: str
    state: JobState
    files_total: int
    files_done: int
    tasks_total: int
    tasks_done: int
    tasks_failed: int
    error: str | None = None


class WorkerStatus(WorkerAdvert):
    """One registered worker as a broker sees it (part of `BrokerStatus`): its advertisement
    plus what only the broker knows."""

    identity: str  # the worker's ZeroMQ routing identity, hex
    capabilities: list[str]
    running: int  # requests in flight on it now


class BrokerStatus(Model):
    """Answer to `codemesh.status`: what `codemesh status` shows of one broker."""

    version: str
    store: str
    uptime: float  # seconds
    workers: list[WorkerStatus]
    queues: dict[str, int]  # service name (a capability set) -> requests waiting for a worker
    jobs: list[JobProgress]  # jobs this broker is running
