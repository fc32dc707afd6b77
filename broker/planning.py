"""Pure policy of the scheduler: how a job is cut into tasks and how long a retry waits.

No I/O and no clock; the scheduler calls these.
"""

from __future__ import annotations

import random
from collections import defaultdict

from mesh.models import SourceFile, Task

TASK_MAX_FILES = 200
TASK_MAX_BYTES = 1024 * 1024


def plan_tasks(job: str, files: list[SourceFile], *, max_files: int = TASK_MAX_FILES,
               max_bytes: int = TASK_MAX_BYTES) -> list[Task]:
    """Group files by language (a task needs one `lang:X` capability), in path order, into
    tasks of at most `max_files` files or about `max_bytes` (a larger file gets its own task)."""
    by_language: dict[str, list[SourceFile]] = defaultdict(list)
    for source in sorted(files, key=lambda f: f.path):
        by_language[source.language].append(source)
    tasks: list[Task] = []
    for language in sorted(by_language):
        chunk: list[SourceFile] = []
        size = 0
        for source in by_language[language]:
            if chunk and (len(chunk) >= max_files or size + source.size > max_bytes):
                tasks.append(_task(job, len(tasks), language, chunk))
                chunk, size = [], 0
            chunk.append(source)
            size += source.size
        if chunk:
            tasks.append(_task(job, len(tasks), language, chunk))
    return tasks


def _task(job: str, index: int, language: str, files: list[SourceFile]) -> Task:
    return Task(task=f"{job}.{index:05d}", job=job, requires=[f"lang:{language}"], files=files)


def retry_delay(attempt: int, *, base: float = 0.5, cap: float = 30.0,
                rng: random.Random | None = None) -> float:
    """Exponential backoff with "equal jitter": half the window fixed, half random, so retries
    of many tasks that failed together spread out but none retries immediately."""
    window: float = min(cap, base * 2.0 ** max(attempt - 1, 0))
    jitter: float = (rng or random).uniform(0, window / 2)
    return window / 2 + jitter
