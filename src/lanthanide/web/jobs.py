"""Background screening jobs for the screening page: one thread per job, at
most :data:`MAX_RUNNING` at a time, their files in a private temporary
directory, visible only to the session that started them."""

from __future__ import annotations

import secrets
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lanthanide.web import backend

MAX_RUNNING = 2
MAX_KEPT = 20
STAGES = ("read", "validate", "classify", "decide", "write")


@dataclass
class Job:
    id: str
    owner: str
    """Session id of the creator (jobs are private to a session)."""
    name: str
    dir: Path
    state: str = "queued"  # queued, running, done, failed
    stage: str = ""
    done: int = 0
    total: int = 0
    error: str | None = None
    summary: dict[str, Any] | None = None
    started: float = field(default_factory=time.monotonic)

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        if not self.stage:
            return 0
        k = STAGES.index(self.stage) if self.stage in STAGES else 0
        part = self.done / self.total if self.total else 0.0
        return min(99, int(100 * (k + part) / len(STAGES)))

    @property
    def output(self) -> Path:
        return self.dir / "screened.csv"

    @property
    def rejects(self) -> Path:
        return self.dir / "screened.rejects.csv"


class Jobs:
    def __init__(self) -> None:
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(MAX_RUNNING)

    def start(self, owner: str, name: str, data: bytes, suffix: str) -> Job:
        d = Path(tempfile.mkdtemp(prefix="lanthanide-screen-"))
        src = d / f"input{suffix}"
        src.write_bytes(data)
        job = Job(id=secrets.token_urlsafe(16), owner=owner, name=name, dir=d)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > MAX_KEPT:
                _, old = self._jobs.popitem(last=False)
                shutil.rmtree(old.dir, ignore_errors=True)
        threading.Thread(target=self._run, args=(job, src), daemon=True).start()
        return job

    def _run(self, job: Job, src: Path) -> None:
        with self._slots:
            job.state = "running"

            def progress(stage: str, done: int, total: int) -> None:
                job.stage, job.done, job.total = stage, done, total

            try:
                job.summary = backend.screen_file(src, job.output, progress)
                job.state = "done"
            except backend.BackendError as exc:
                job.error = str(exc)
                job.state = "failed"
            except Exception as exc:  # shown to the user; a thread must not die silently
                job.error = f"screening failed: {type(exc).__name__}: {exc}"
                job.state = "failed"

    def get(self, job_id: str, owner: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.owner == owner else None


JOBS = Jobs()
