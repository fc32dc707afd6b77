"""Runs file analysis in child processes, so CPU-bound parsing never delays the worker's
heartbeats, and a file that hangs or crashes its analyzer costs one file, not the worker.

pebble's ProcessPool kills and replaces a child that overruns its per-file time budget or dies.
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


def _analyze_in_child(data: bytes, language: Language, name: str) -> dict[str, Any]:
    from worker.analysis import analyze  # imported in the child only

    return analyze(data, language, name).model_dump()


class AnalysisPool:
    def __init__(self, processes: int, file_timeout: float = DEFAULT_FILE_TIMEOUT) -> None:
        self.file_timeout = file_timeout
        self.pool = ProcessPool(max_workers=processes, initializer=_child_init,
                                context=multiprocessing.get_context("forkserver"))

    async def analyze(self, data: bytes, language: Language, name: str) -> FileAnalysis:
        """Never raises for a bad file: timeouts and crashes come back as the file's error."""
        future = self.pool.schedule(_analyze_in_child, args=(data, language, name),
                                    timeout=self.file_timeout)
        try:
            return FileAnalysis.model_validate(await asyncio.wrap_future(future))
        except FutureTimeout:
            return _failed(language, name, "timeout",
                           f"analysis took longer than {self.file_timeout:g}s")
        except ProcessExpired as exc:
            return _failed(language, name, "crash", f"analyzer process died: {exc}")
        except Exception as exc:
            return _failed(language, name, "analyzer", f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        self.pool.stop()  # type: ignore[no-untyped-call]
        self.pool.join(timeout=5)


def _failed(language: Language, name: str, kind: str, message: str) -> FileAnalysis:
    return FileAnalysis(language=language, error=FileError(path=name, kind=kind, message=message))
