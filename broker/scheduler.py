"""The job scheduler inside the broker: jobs become tasks, tasks become requests, results become
progress, failures become retries and, at last, recorded errors. A job always finishes.

Job and task state is written to the store before it is acted on, so another broker (or this one
restarted) can pick it up. The scheduler never touches a socket: it hands requests to the broker
through `enqueue` and progress to clients through `notify`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from broker.planning import TASK_MAX_BYTES, TASK_MAX_FILES, plan_tasks, retry_delay
from broker.routing import ClientOrigin, Request, TaskOrigin
from mesh import codec, metrics
from mesh.models import Job, JobProgress, SubmitRequest, Task, TaskProgress, TaskReport, TaskRequest
from mesh.repository import Repository
from mesh.store_client import StoreRequestError, StoreUnavailable

log = logging.getLogger("codemesh.scheduler")

TASK_ADDRESS_PREFIX = b"\x00task:"  # \x00-led identities are reserved by ZeroMQ: no client has one

Enqueue = Callable[[Request, bool], None]
Notify = Callable[[ClientOrigin, JobProgress, bool], None]


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class RunningJob:
    job: Job
    tasks: dict[str, Task]
    followers: list[ClientOrigin] = field(default_factory=list)
    running_files: dict[str, int] = field(default_factory=dict)  # task -> files done so far
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def progress(self) -> JobProgress:
        job = self.job
        return JobProgress(
            job=job.job, state=job.state, files_total=job.files_total,
            files_done=job.files_done + sum(self.running_files.values()),
            tasks_total=job.tasks_total, tasks_done=job.tasks_done,
            tasks_failed=job.tasks_failed)


@dataclass
class SchedulerConfig:
    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    task_max_files: int = TASK_MAX_FILES
    task_max_bytes: int = TASK_MAX_BYTES


class Scheduler:
    def __init__(self, repo: Repository, store_endpoint: str, enqueue: Enqueue, notify: Notify,
                 config: SchedulerConfig | None = None) -> None:
        self.repo = repo
        self.store_endpoint = store_endpoint
        self.enqueue = enqueue
        self.notify = notify
        self.config = config or SchedulerConfig()
        self.jobs: dict[str, RunningJob] = {}

    # -- submission -----------------------------------------------------------------------------

    async def submit(self, submit: SubmitRequest, follower: ClientOrigin) -> None:
        """Accept a job and start it, or tell the client at once why it cannot run."""
        try:
            await self._submit(submit, follower)
        except (StoreUnavailable, StoreRequestError) as exc:
            log.error("job refused: store", extra={"job": submit.job, "error": str(exc)})
            self.jobs.pop(submit.job, None)
            self.notify(follower, JobProgress(
                job=submit.job, state="failed", files_total=0, files_done=0, tasks_total=0,
                tasks_done=0, tasks_failed=0, error=f"the broker cannot use its store: {exc}"),
                True)

    async def _persist(self, tasks: list[Task], job: Job | None = None) -> None:
        """Write task and job state. A failed write is logged, not raised: this broker's memory
        stays authoritative for the job it runs, so the job still finishes."""
        try:
            await self.repo.put_tasks(tasks, job)
        except (StoreUnavailable, StoreRequestError) as exc:
            log.error("could not persist task state", extra={"error": str(exc),
                                                             "job": job.job if job else None})

    async def _submit(self, submit: SubmitRequest, follower: ClientOrigin) -> None:
        existing = self.jobs.get(submit.job)
        if existing is not None:  # a client resubmitting (e.g. after a timeout) follows along
            existing.followers.append(follower)
            self.notify(follower, existing.progress(), False)
            return
        stored = await self.repo.get_job(submit.job)
        if stored is not None and stored.state in ("finished", "failed"):
            self.notify(follower, self._progress_of(stored), True)
            return
        manifest = await self.repo.get_manifest(submit.manifest)
        if manifest is None or manifest.job != submit.job:
            self.notify(follower, JobProgress(
                job=submit.job, state="failed", files_total=0, files_done=0, tasks_total=0,
                tasks_done=0, tasks_failed=0,
                error=f"manifest {submit.manifest} is not in the store {self.store_endpoint}"),
                True)
            return
        tasks = plan_tasks(manifest.job, manifest.files, max_files=self.config.task_max_files,
                           max_bytes=self.config.task_max_bytes)
        job = Job(job=manifest.job, root=manifest.root, manifest=submit.manifest,
                  state="running", submitted=manifest.submitted, started=now_iso(),
                  tasks_total=len(tasks), files_total=len(manifest.files))
        running = RunningJob(job=job, tasks={t.task: t for t in tasks}, followers=[follower])
        self.jobs[job.job] = running
        await self.repo.put_tasks(tasks, job)
        log.info("job accepted", extra={"job": job.job, "tasks": len(tasks),
                                         "files": job.files_total})
        self.notify(follower, running.progress(), False)
        for task in tasks:
            self.enqueue(self._request(task), False)
        if not tasks:
            async with running.lock:
                await self._finish_if_done(running)
            self._notify_finished(running)

    def _request(self, task: Task) -> Request:
        body = TaskRequest(task=task.task, job=task.job, stage=task.stage, files=task.files,
                           attempt=task.attempt, store=self.store_endpoint)
        return Request(requires=frozenset(task.requires), body=[codec.pack(body)],
                       origin=TaskOrigin(job=task.job, task=task.task),
                       address=TASK_ADDRESS_PREFIX + task.task.encode(),
                       queued_at=time.monotonic())

    # -- events from the broker -----------------------------------------------------------------

    def on_partial(self, origin: TaskOrigin, body: list[bytes]) -> None:
        running = self.jobs.get(origin.job)
        if running is None or not body:
            return
        try:
            progress = codec.unpack(body[0], TaskProgress)
        except codec.DecodeError:
            metrics.DROPPED_MESSAGES.labels("broker", "bad-partial").inc()
            return
        if running.tasks.get(origin.task, None) is not None \
                and running.tasks[origin.task].state in ("queued", "running"):
            running.running_files[origin.task] = progress.files_done

    async def on_final(self, origin: TaskOrigin, body: list[bytes]) -> None:
        running = self.jobs.get(origin.job)
        if running is None:
            return
        try:
            report = codec.unpack(body[0], TaskReport) if body else None
        except codec.DecodeError:
            report = None
        async with running.lock:
            task = running.tasks.get(origin.task)
            if task is None or task.state in ("done", "failed"):
                return  # a duplicate answer (the task ran twice after a requeue)
            running.running_files.pop(task.task, None)
            if report is not None and report.ok:
                metrics.TASKS.labels("done").inc()
                task.state = "done"
                task.error = None
                running.job.tasks_done += 1
                running.job.files_done += len(task.files)
                await self._persist([task], running.job)
            else:
                error = (report.error if report is not None else None) or "malformed task report"
                await self._failed_attempt(running, task, error)
            finished = await self._finish_if_done(running)
        if finished:
            self._notify_finished(running)

    def on_lost(self, origin: TaskOrigin, request: Request) -> None:
        """The worker running this task died: run it again at once, elsewhere."""
        running = self.jobs.get(origin.job)
        if running is None:
            return
        running.running_files.pop(origin.task, None)
        task = running.tasks.get(origin.task)
        if task is not None and task.state in ("queued", "running"):
            metrics.TASKS.labels("requeued").inc()
            log.info("requeued task of a lost worker", extra={"job": origin.job,
                                                               "task": origin.task})
            self.enqueue(request, True)

    async def _failed_attempt(self, running: RunningJob, task: Task, error: str) -> None:
        task.attempt += 1
        task.error = error
        if task.attempt >= self.config.max_attempts:
            metrics.TASKS.labels("failed").inc()
            task.state = "failed"
            running.job.tasks_failed += 1
            running.job.files_done += len(task.files)
            log.error("task failed for good", extra={"job": task.job, "task": task.task,
                                                      "error": error, "attempts": task.attempt})
            await self._persist([task], running.job)
            return
        metrics.TASKS.labels("retried").inc()
        delay = retry_delay(task.attempt, base=self.config.backoff_base,
                            cap=self.config.backoff_cap)
        task.not_before = time.time() + delay
        log.warning("task failed; retrying", extra={"job": task.job, "task": task.task,
                                                    "error": error, "delay": round(delay, 3)})
        await self._persist([task])
        asyncio.get_running_loop().call_later(delay, self.enqueue, self._request(task), False)

    async def _finish_if_done(self, running: RunningJob) -> bool:
        """Mark the job finished once every task is done or failed. Call with the job's lock."""
        job = running.job
        if job.state != "running" or job.tasks_done + job.tasks_failed < job.tasks_total:
            return False
        job.state = "finished"
        job.finished = now_iso()
        await self._persist([], job)
        self.jobs.pop(job.job, None)
        log.info("job finished", extra={"job": job.job, "failed_tasks": job.tasks_failed})
        return True

    def _notify_finished(self, running: RunningJob) -> None:
        for follower in running.followers:
            self.notify(follower, running.progress(), True)

    def tick(self) -> None:
        """Periodic progress to every follower: it doubles as the client's sign of life."""
        for running in self.jobs.values():
            progress = running.progress()
            for follower in running.followers:
                self.notify(follower, progress, False)

    @staticmethod
    def _progress_of(job: Job) -> JobProgress:
        return JobProgress(job=job.job, state=job.state, files_total=job.files_total,
                           files_done=job.files_done, tasks_total=job.tasks_total,
                           tasks_done=job.tasks_done, tasks_failed=job.tasks_failed)
