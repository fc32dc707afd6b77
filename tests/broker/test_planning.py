"""Unit tests of the scheduler's pure policy: `plan_tasks` (how a job is cut into tasks) and
`retry_delay` (exponential backoff with equal jitter)."""

from __future__ import annotations

import hashlib
import random

import pytest

from broker.planning import TASK_MAX_BYTES, TASK_MAX_FILES, plan_tasks, retry_delay
from mesh.models import SourceFile, Task

KIB = 1024
MIB = 1024 * 1024


def src(path: str, size: int = 100, language: str = "python") -> SourceFile:
    return SourceFile(path=path, sha256=hashlib.sha256(path.encode()).hexdigest(), size=size,
                      language=language)  # type: ignore[arg-type]


def layout(tasks: list[Task]) -> list[tuple[str, list[str], list[str]]]:
    return [(t.task, t.requires, [f.path for f in t.files]) for t in tasks]


def test_limits_are_200_files_and_1_mib() -> None:
    assert (TASK_MAX_FILES, TASK_MAX_BYTES) == (200, MIB)


def test_tasks_are_grouped_by_language_in_path_order() -> None:
    files = [src("z.py"), src("b.go", language="go"), src("a.py"), src("lib/m.rs", language="rust"),
             src("a.go", language="go"), src("m/n.py")]
    tasks = plan_tasks("job", files)
    assert layout(tasks) == [
        ("job.00000", ["lang:go"], ["a.go", "b.go"]),
        ("job.00001", ["lang:python"], ["a.py", "m/n.py", "z.py"]),
        ("job.00002", ["lang:rust"], ["lib/m.rs"]),
    ]
    for task in tasks:
        assert (task.job, task.stage, task.attempt, task.state) == ("job", "analyze", 0, "queued")
        assert task.error is None and task.not_before == 0.0
    # the tasks carry the files themselves, unchanged
    assert tasks[1].files[0] == files[2]


def test_at_most_200_files_per_task() -> None:
    files = [src(f"f{i:04d}.py", size=10) for i in range(450)] + \
        [src(f"g{i:04d}.c", size=0, language="c") for i in range(401)]
    tasks = plan_tasks("j", files)
    assert [(t.requires, len(t.files)) for t in tasks] == [
        (["lang:c"], 200), (["lang:c"], 200), (["lang:c"], 1),
        (["lang:python"], 200), (["lang:python"], 200), (["lang:python"], 50),
    ]
    assert [t.task for t in tasks] == [f"j.{i:05d}" for i in range(6)]
    assert [f.path for f in tasks[3].files] == [f"f{i:04d}.py" for i in range(200)]
    assert [f.path for f in tasks[5].files] == [f"f{i:04d}.py" for i in range(400, 450)]


def test_exactly_200_files_make_one_task() -> None:
    tasks = plan_tasks("j", [src(f"{i:03d}.py", size=1) for i in range(200)])
    assert [len(t.files) for t in tasks] == [200]
    tasks = plan_tasks("j", [src(f"{i:03d}.py", size=1) for i in range(201)])
    assert [len(t.files) for t in tasks] == [200, 1]


def test_about_one_mib_per_task() -> None:
    # 256 KiB files: four fill exactly 1 MiB, the fifth starts a new task
    files = [src(f"q{i}.py", size=256 * KIB) for i in range(9)]
    tasks = plan_tasks("j", files)
    assert [[f.path for f in t.files] for t in tasks] == [
        ["q0.py", "q1.py", "q2.py", "q3.py"], ["q4.py", "q5.py", "q6.py", "q7.py"], ["q8.py"]]
    # 400 KiB files: two per task (a third would make 1.17 MiB)
    tasks = plan_tasks("j", [src(f"r{i}.py", size=400 * KIB) for i in range(5)])
    assert [len(t.files) for t in tasks] == [2, 2, 1]
    for task in plan_tasks("j", files + [src(f"s{i}.py", size=i * 7 * KIB) for i in range(140)]):
        assert sum(f.size for f in task.files) <= MIB
        assert len(task.files) <= 200


def test_a_file_larger_than_the_limit_is_alone_in_its_task() -> None:
    files = [src("a.py", 100), src("b.py", 100), src("big.py", 3 * MIB), src("c.py", 100),
             src("exact.py", MIB), src("d.py", 1)]
    tasks = plan_tasks("j", files)
    assert layout(tasks) == [
        ("j.00000", ["lang:python"], ["a.py", "b.py"]),
        ("j.00001", ["lang:python"], ["big.py"]),
        ("j.00002", ["lang:python"], ["c.py", "d.py"]),
        ("j.00003", ["lang:python"], ["exact.py"]),
    ]
    # two big files in a row: one task each
    tasks = plan_tasks("j", [src("x.py", 2 * MIB), src("y.py", 2 * MIB + 1)])
    assert [[f.path for f in t.files] for t in tasks] == [["x.py"], ["y.py"]]


def test_custom_limits() -> None:
    files = [src(f"{i}.go", size=10, language="go") for i in range(7)]
    assert [len(t.files) for t in plan_tasks("j", files, max_files=3)] == [3, 3, 1]
    assert [len(t.files) for t in plan_tasks("j", files, max_bytes=25)] == [2, 2, 2, 1]
    assert [len(t.files) for t in plan_tasks("j", files, max_files=1)] == [1] * 7


def test_every_file_in_exactly_one_task_and_ids_are_deterministic() -> None:
    rng = random.Random(1234)
    languages = ["python", "go", "c", "cpp", "javascript", "typescript", "rust", "java"]
    files = [src(f"dir{rng.randrange(20)}/file{i:05d}", size=rng.choice([0, 10, 5000, 300 * KIB,
                                                                      2 * MIB]),
                 language=rng.choice(languages))
             for i in range(3000)]
    tasks = plan_tasks("job-x", files)
    planned = [f for t in tasks for f in t.files]
    assert len(planned) == len(files)
    assert sorted(f.path for f in planned) == sorted(f.path for f in files)
    assert len({t.task for t in tasks}) == len(tasks)
    assert [t.task for t in tasks] == [f"job-x.{i:05d}" for i in range(len(tasks))]
    for task in tasks:
        (requirement,) = task.requires
        assert {f"lang:{f.language}" for f in task.files} == {requirement}
        assert len(task.files) <= 200
        assert sum(f.size for f in task.files) <= MIB or len(task.files) == 1
        paths = [f.path for f in task.files]
        assert paths == sorted(paths)
    # the same files in any order give the same plan
    shuffled = list(files)
    rng.shuffle(shuffled)
    assert plan_tasks("job-x", shuffled) == tasks
    assert plan_tasks("job-x", list(reversed(files))) == tasks


def test_no_files_no_tasks() -> None:
    assert plan_tasks("j", []) == []


# --- retry_delay --------------------------------------------------------------------------------


class Extreme(random.Random):
    """An rng whose `uniform` always returns one end of its range."""

    def __init__(self, high: bool) -> None:
        super().__init__(0)
        self.high = high
        self.calls: list[tuple[float, float]] = []

    def uniform(self, a: float, b: float) -> float:
        self.calls.append((a, b))
        return b if self.high else a


def test_retry_delay_window_doubles_until_the_cap() -> None:
    high = Extreme(high=True)
    low = Extreme(high=False)
    windows = [0.5, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    assert [retry_delay(n, rng=high) for n in range(10)] == windows
    assert [retry_delay(n, rng=low) for n in range(10)] == [w / 2 for w in windows]
    assert high.calls == [(0, w / 2) for w in windows]
    assert retry_delay(1000, rng=high) == 30.0
    assert retry_delay(3, base=1.0, cap=5.0, rng=high) == 4.0
    assert retry_delay(4, base=1.0, cap=5.0, rng=high) == 5.0
    assert retry_delay(4, base=1.0, cap=5.0, rng=low) == 2.5


def test_retry_delay_jitter_stays_in_half_to_full_window_and_spreads() -> None:
    rng = random.Random(20240501)
    for attempt, window in [(1, 0.5), (2, 1.0), (4, 4.0), (6, 16.0), (12, 30.0)]:
        delays = [retry_delay(attempt, rng=rng) for _ in range(2000)]
        assert all(window / 2 <= d <= window for d in delays), attempt
        # spread over the whole upper half of the window, not bunched at one value
        assert min(delays) < window / 2 + window * 0.02
        assert max(delays) > window - window * 0.02
        mean = sum(delays) / len(delays)
        assert mean == pytest.approx(window * 0.75, rel=0.03)


def test_retry_delay_is_reproducible_with_a_seeded_rng() -> None:
    first = [retry_delay(n, rng=random.Random(7)) for n in range(1, 9)]
    again = [retry_delay(n, rng=random.Random(7)) for n in range(1, 9)]
    assert first == again
    expected = []
    for n in range(1, 9):
        window = min(30.0, 0.5 * 2 ** (n - 1))
        expected.append(window / 2 + random.Random(7).uniform(0, window / 2))
    assert first == expected
    one = random.Random(99)
    sequence = [retry_delay(3, rng=one) for _ in range(5)]
    assert len(set(sequence)) == 5  # successive draws differ
    assert min(sequence) >= 1.0 and max(sequence) <= 2.0
