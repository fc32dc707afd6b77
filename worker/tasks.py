"""What a worker does with one analyze task: fetch the blobs, analyze each file in the pool,
write every result to the store (acknowledged), and only then report FINAL.

Errors of single files become those files' results; errors that make the whole task
untrustworthy (store unreachable, malformed request) become a failed FINAL, which the scheduler
retries. Nothing here touches ZeroMQ directly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from mesh import codec, metrics
from mesh.models import (
    FileAnalysis,
    FileError,
    SourceFile,
    TaskProgress,
    TaskReport,
    TaskRequest,
)
from mesh.repository import Repository, result_key
from mesh.store_client import StoreClient, StoreRequestError, StoreUnavailable
from worker.analyzers.registry import result_id
from worker.executor import AnalysisPool, Item, batches

log = logging.getLogger("codemesh.worker.tasks")

PROGRESS_EVERY = 0.5  # seconds between PARTIALs


class TaskRunner:
    def __init__(self, pool: AnalysisPool, store_override: str | None = None) -> None:
        self.pool = pool
        self.store_override = store_override
        self.stores: dict[str, Repository] = {}

    def _repository(self, endpoint: str) -> Repository:
        if endpoint not in self.stores:
            client = StoreClient(endpoint)
            client.connect()
            self.stores[endpoint] = Repository(client)
        return self.stores[endpoint]

    async def close(self) -> None:
        for repo in self.stores.values():
            await repo.client.close()

    async def __call__(self, body: list[bytes], partial: Callable[[list[bytes]], None]) \
            -> list[bytes]:
        try:
            request = codec.unpack(body[0] if body else b"", TaskRequest)
        except codec.DecodeError as exc:
            metrics.DROPPED_MESSAGES.labels("worker", "bad-task").inc()
            return [codec.pack(TaskReport(task="", ok=False, error=f"bad task request: {exc}"))]
        extra = {"job": request.job, "task": request.task, "attempt": request.attempt}
        log.info("task started", extra={**extra, "files": len(request.files)})
        try:
            done = await self._run(request, partial)
        except (StoreUnavailable, StoreRequestError) as exc:
            log.error("task failed: store", extra={**extra, "error": str(exc)})
            return [codec.pack(TaskReport(task=request.task, ok=False, error=str(exc)))]
        log.info("task done", extra={**extra, "files": done})
        return [codec.pack(TaskReport(task=request.task, ok=True, files_done=done))]

    @staticmethod
    def _key(source: SourceFile) -> bytes:
        return result_key(source.sha256, source.language, result_id(source.language, source.path))

    async def _run(self, request: TaskRequest, partial: Callable[[list[bytes]], None]) -> int:
        repo = self._repository(self.store_override or request.store)
        blobs = await repo.get_blobs(sorted({f.sha256 for f in request.files}))
        results: list[tuple[str, bytes, FileAnalysis]] = []
        items: list[Item] = []
        for source in request.files:
            data = blobs.get(source.sha256)
            if data is None:
                results.append((source.path, self._key(source), FileAnalysis(
                    language=source.language, error=FileError(
                        path="", kind="missing-content",
                        message=f"blob {source.sha256} is not in the store"))))
            else:
                items.append((data, source.language, source.path))
        sources = {source.path: source for source in request.files}
        last_progress = time.monotonic()
        for batch in batches(items):
            for (_, language, path), analysis in zip(
                    batch, await self.pool.analyze_batch(batch), strict=True):
                metrics.FILES_ANALYZED.labels(language).inc()
                if analysis.error is not None:
                    analysis.error.path = ""  # results are shared by content; jobs know paths
                results.append((path, self._key(sources[path]), analysis))
            if time.monotonic() - last_progress >= PROGRESS_EVERY:
                last_progress = time.monotonic()
                partial([codec.pack(TaskProgress(task=request.task, files_done=len(results)))])
        await repo.put_results(request.job, results)
        return len(results)
