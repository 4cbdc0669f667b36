"""Screening pages: upload a declaration file, a background job with a live
progress bar (htmx polling), then the summary and the downloads. A job is
visible only to the session that started it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lanthanide.web.forms import csrf_page, csrf_passes, guard, need_user, not_found, redirect
from lanthanide.web.jobs import JOBS, Job
from lanthanide.web.render import Ctx, context, finish, page

router = APIRouter(include_in_schema=False)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@router.get("/screen")
def screen_form(request: Request) -> Response:
    ctx = context(request)
    return guard(ctx, lambda user: page(ctx, "screen.html", errors={}, job=None))


@router.post("/screen")
async def screen_upload(request: Request) -> Response:
    ctx = context(request)
    size = request.headers.get("content-length")
    if size is not None and size.isdigit() and int(size) > MAX_UPLOAD_BYTES:
        return page(ctx, "screen.html", status=413, errors={"file": "at most 20 MB"}, job=None)
    async with request.form(max_files=1, max_fields=5, max_part_size=MAX_UPLOAD_BYTES) as form:
        sent = form.get("csrf")
        if not csrf_passes(ctx, sent if isinstance(sent, str) else None):
            return csrf_page(ctx)
        if ctx.user is None:
            return need_user(ctx)
        upload = form.get("file")
        if upload is None or isinstance(upload, str) or not upload.filename:
            return page(ctx, "screen.html", status=422, errors={"file": "choose a file"}, job=None)
        name = upload.filename
        data = await upload.read()
    suffix = ".parquet" if name.lower().endswith((".parquet", ".pq")) else ".csv"
    if not data:
        return page(ctx, "screen.html", status=422, errors={"file": "the file is empty"}, job=None)
    job = JOBS.start(ctx.session.sid, name[:200], data, suffix)
    return redirect(ctx, f"/screen/jobs/{job.id}")


def _job(ctx: Ctx, job_id: str) -> Job | None:
    return JOBS.get(job_id, ctx.session.sid) if ctx.user is not None else None


@router.get("/screen/jobs/{job_id}")
def screen_job(request: Request, job_id: str) -> Response:
    ctx = context(request)
    job = _job(ctx, job_id)
    if job is None:
        return not_found(ctx)
    return page(ctx, "screen.html", errors={}, job=job)


@router.get("/screen/jobs/{job_id}/progress")
def screen_progress(request: Request, job_id: str) -> Response:
    ctx = context(request)
    job = _job(ctx, job_id)
    if job is None:
        return not_found(ctx)
    return page(ctx, "screen_progress.html", job=job)


@router.get("/screen/jobs/{job_id}/{which}")
def screen_download(request: Request, job_id: str, which: str) -> Response:
    ctx = context(request)
    job = _job(ctx, job_id)
    if job is None or job.state != "done" or which not in ("output.csv", "rejects.csv"):
        return not_found(ctx)
    path = job.output if which == "output.csv" else job.rejects
    if not path.exists():
        return not_found(ctx)
    r = Response(
        path.read_bytes(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="screened-{which}"'},
    )
    return finish(ctx, r)
