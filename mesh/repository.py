"""The one typed layer over the store: key layouts and models for blobs, jobs, tasks, results.

The client, the broker's scheduler and the worker all read and write the store through here, so
a key format exists in exactly one place.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from mesh import codec
from mesh.models import FileAnalysis, Job, JobManifest, Task
from mesh.store_client import StoreClient
from mesh.store_protocol import DB_BLOBS, DB_JOB_FILES, DB_JOBS, DB_RESULTS, DB_TASKS, Write

SEP = b"\x00"


def result_key(sha256: str, language: str, analyzer: str) -> bytes:
    """Results are cached by content, language and analyzer version (Bazel's action cache)."""
    return f"{sha256}/{language}/{analyzer}".encode()


def job_file_key(job: str, path: str) -> bytes:
    return job.encode() + SEP + path.encode()


def task_key(job: str, task: str) -> bytes:
    return job.encode() + SEP + task.encode()


class Repository:
    def __init__(self, client: StoreClient) -> None:
        self.client = client

    # -- blobs ----------------------------------------------------------------------------------

    async def missing_blobs(self, hashes: Sequence[str]) -> list[str]:
        present = await self.client.has(DB_BLOBS, [h.encode() for h in hashes])
        return [h for h, ok in zip(hashes, present, strict=True) if not ok]

    async def put_blobs(self, blobs: Iterable[bytes]) -> int:
        return await self.client.put(
            Write(db=DB_BLOBS, key=hashlib.sha256(data).hexdigest().encode(), value=data)
            for data in blobs)

    async def get_blobs(self, hashes: Sequence[str]) -> dict[str, bytes]:
        values = await self.client.get(DB_BLOBS, [h.encode() for h in hashes])
        return {h: v for h, v in zip(hashes, values, strict=True) if v is not None}

    # -- manifests and jobs ---------------------------------------------------------------------

    async def put_manifest(self, manifest: JobManifest) -> str:
        data = codec.pack(manifest)
        await self.put_blobs([data])
        return hashlib.sha256(data).hexdigest()

    async def get_manifest(self, sha256: str) -> JobManifest | None:
        data = (await self.get_blobs([sha256])).get(sha256)
        return codec.unpack(data, JobManifest) if data is not None else None

    async def put_job(self, job: Job) -> None:
        await self.client.put([Write(db=DB_JOBS, key=job.job.encode(), value=codec.pack(job))])

    async def get_job(self, job: str) -> Job | None:
        (value,) = await self.client.get(DB_JOBS, [job.encode()])
        return codec.unpack(value, Job) if value is not None else None

    async def put_tasks(self, tasks: Iterable[Task], job: Job | None = None) -> None:
        """Tasks (and optionally their job) in one acknowledged write."""
        writes = [Write(db=DB_TASKS, key=task_key(t.job, t.task), value=codec.pack(t))
                  for t in tasks]
        if job is not None:
            writes.append(Write(db=DB_JOBS, key=job.job.encode(), value=codec.pack(job)))
        await self.client.put(writes)

    async def tasks(self, job: str) -> list[Task]:
        items = await self.client.scan(DB_TASKS, job.encode() + SEP)
        return [codec.unpack(value, Task) for _, value in items]

    # -- results --------------------------------------------------------------------------------

    async def put_results(self, job: str, results: Iterable[tuple[str, bytes, FileAnalysis]]) \
            -> None:
        """Each (path, result key, analysis): the cached result and the job's pointer to it,
        acknowledged together."""
        writes: list[Write] = []
        for path, key, analysis in results:
            writes.append(Write(db=DB_RESULTS, key=key, value=codec.pack(analysis)))
            writes.append(Write(db=DB_JOB_FILES, key=job_file_key(job, path), value=key))
        await self.client.put(writes)

    async def job_results(self, job: str) -> dict[str, FileAnalysis]:
        """path -> analysis for every file of `job` that has a result."""
        pointers = await self.client.scan(DB_JOB_FILES, job.encode() + SEP, page=5000)
        prefix = len(job.encode()) + 1
        keys = sorted({key for _, key in pointers})
        values = await self.client.get(DB_RESULTS, keys)
        by_key = {k: codec.unpack(v, FileAnalysis) for k, v in zip(keys, values, strict=True)
                  if v is not None}
        return {path[prefix:].decode(): by_key[key] for path, key in pointers if key in by_key}
