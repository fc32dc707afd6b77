"""Runs file analysis in child processes, so CPU-bound parsing never delays the worker's
heartbeats, and a file that hangs or crashes its analyzer costs one file, not the worker.

pebble's ProcessPool kills and replaces a child that overruns its time budget or dies. Files go
to a child in small batches (one round trip per file costs about a third of lizard's own time);
a batch that overruns or crashes is re-run file by file, so the per-file budget still decides
which file is reported as the culprit.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from pebble import ProcessExpired, ProcessPool

from mesh import process
from mesh.models import FileAnalysis, FileError, Language

DEFAULT_FILE_TIMEOUT = 60.0


def _child_init() -> None:
    process.die_with_parent(signal.SIGKILL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the worker decides when children stop


Item = tuple[bytes, Language, str]  # content, language, name
BATCH_FILES = 32
BATCH_BYTES = 512 * 1024


def _analyze_in_child(items: list[Item]) -> list[dict[str, Any]]:
    from worker.analyzers.registry import analyze  # imported in the child only

    return [analyze(data, language, name).model_dump() for data, language, name in items]


def batches(items: list[Item]) -> list[list[Item]]:
    """Consecutive runs of at most BATCH_FILES files and about BATCH_BYTES."""
    result: list[list[Item]] = []
    size = 0
    for item in items:
        if not result or len(result[-1]) >= BATCH_FILES or size + len(item[0]) > BATCH_BYTES:
            result.append([])
            size = 0
        result[-1].append(item)
        size += len(item[0])
    return result


class AnalysisPool:
    def __init__(self, processes: int, file_timeout: float = DEFAULT_FILE_TIMEOUT) -> None:
        self.file_timeout = file_timeout
        self.pool = ProcessPool(max_workers=processes, initializer=_child_init,
                                context=multiprocessing.get_context("forkserver"))

    async def analyze(self, data: bytes, language: Language, name: str) -> FileAnalysis:
        """One file. Never raises for a bad file: timeouts and crashes are the file's error."""
        future = self.pool.schedule(_analyze_in_child, args=([(data, language, name)],),
                                    timeout=self.file_timeout)
        try:
            (result,) = await asyncio.wrap_future(future)
            return FileAnalysis.model_validate(result)
        except FutureTimeout:
            return _failed(language, name, "timeout",
                           f"analysis took longer than {self.file_timeout:g}s")
        except ProcessExpired as exc:
            return _failed(language, name, "crash", f"analyzer process died: {exc}")
        except Exception as exc:
            return _failed(language, name, "analyzer", f"{type(exc).__name__}: {exc}")

    async def analyze_batch(self, items: list[Item]) -> list[FileAnalysis]:
        """Several files in one round trip; on a timeout or crash, each file on its own."""
        if len(items) == 1:
            return [await self.analyze(*items[0])]
        future = self.pool.schedule(_analyze_in_child, args=(items,), timeout=self.file_timeout)
        try:
            return [FileAnalysis.model_validate(r) for r in await asyncio.wrap_future(future)]
        except Exception:
            return [await self.analyze(*item) for item in items]

    def close(self) -> None:
        self.pool.stop()  # type: ignore[no-untyped-call]
        self.pool.join(timeout=5)


def _failed(language: Language, name: str, kind: str, message: str) -> FileAnalysis:
    return FileAnalysis(language=language, error=FileError(path=name, kind=kind, message=message))
