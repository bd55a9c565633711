"""Uploaded imports: the file on S3 (presigned upload, ranged reads of the version started) and the run's
checkpoint and refusals in the imports table."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action

from ..domain.imports import ImportRun
from ..platform.clients import s3
from ..platform.settings import settings
from .models import ImportRefusalItem, ImportRunItem

REFUSED = "refused#"


class FileChanged(Exception):
    """The uploaded file is not the one the import started with (replaced since): it is not read."""


@dataclass(frozen=True)
class Refused:
    line: int  # from 1
    member_id: str | None
    code: str
    message: str


def file_key(import_id: str) -> str:
    return f"imports/{import_id}.jsonl"


def _bucket() -> str:
    return str(settings().imports_bucket)


def upload_url(import_id: str, expires_in: int) -> str:
    return str(s3().generate_presigned_url("put_object", Params={"Bucket": _bucket(), "Key": file_key(import_id)},
                                           ExpiresIn=expires_in))


def uploaded(import_id: str) -> tuple[str, int] | None:
    """(ETag, size) of the uploaded file, or None if nothing was uploaded."""
    try:
        head = s3().head_object(Bucket=_bucket(), Key=file_key(import_id))
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return str(head["ETag"]), int(head["ContentLength"])


def read(run: ImportRun, length: int) -> bytes:
    """Up to `length` bytes of the file from the run's position, of the very file the run started with."""
    last = min(run.position + length, run.size) - 1
    try:
        answer: Any = s3().get_object(Bucket=_bucket(), Key=run.file_key, IfMatch=run.etag,
                                      Range=f"bytes={run.position}-{last}")
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") in ("PreconditionFailed", "412"):
            raise FileChanged(run.file_key) from err
        raise
    return bytes(answer["Body"].read())


def _run_of(item: ImportRunItem) -> ImportRun:
    return ImportRun(item.import_id, item.file_key, item.etag, int(item.size), item.started_at,
                     item.status, int(item.position), int(item.lines),  # type: ignore[arg-type]
                     int(item.imported), int(item.replayed), int(item.refused), item.finished_at, item.error)


def _item_of(run: ImportRun) -> ImportRunItem:
    return ImportRunItem(run.import_id, "run", status=run.status, file_key=run.file_key, etag=run.etag, size=run.size,
                         position=run.position, lines=run.lines, imported=run.imported, replayed=run.replayed,
                         refused=run.refused, started_at=run.started_at, finished_at=run.finished_at, error=run.error)


def get_run(import_id: str) -> ImportRun | None:
    try:
        return _run_of(ImportRunItem.get(import_id, "run", consistent_read=True))
    except DoesNotExist:
        return None


def create_run(run: ImportRun) -> bool:
    """Write a new run; False if the import was started already (nothing written)."""
    try:
        _item_of(run).save(condition=ImportRunItem.import_id.does_not_exist())
    except PutError as err:
        if err.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def save_run(run: ImportRun, started_from: int) -> bool:
    """Write the run's new checkpoint if it is still at `started_from` and running; False if another invocation
    moved it (this page is then not counted twice)."""
    item = ImportRunItem(run.import_id, "run")
    actions: list[Action] = [ImportRunItem.status.set(run.status), ImportRunItem.position.set(run.position),
               ImportRunItem.lines.set(run.lines), ImportRunItem.imported.set(run.imported),
               ImportRunItem.replayed.set(run.replayed), ImportRunItem.refused.set(run.refused)]
    actions += [ImportRunItem.finished_at.set(run.finished_at)] if run.finished_at else []
    actions += [ImportRunItem.error.set(run.error)] if run.error else []
    try:
        item.update(actions=actions,
                    condition=(ImportRunItem.position == started_from) & (ImportRunItem.status == "running"))
    except UpdateError as err:
        if err.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def put_refusals(import_id: str, refusals: list[Refused]) -> None:
    with ImportRefusalItem.batch_write() as batch:
        for r in refusals:
            batch.save(ImportRefusalItem(import_id, f"{REFUSED}{r.line:012d}", line=r.line, member_id=r.member_id,
                                         code=r.code, message=r.message))


def refusals(import_id: str, limit: int, after_line: int) -> tuple[list[Refused], int | None]:
    """A page of the refused members by line, after `after_line`; the last line of the page if more may follow."""
    found = ImportRefusalItem.query(import_id, ImportRefusalItem.record.between(
        f"{REFUSED}{after_line + 1:012d}", f"{REFUSED}{'9' * 12}"), limit=limit, consistent_read=True)
    page = [Refused(int(i.line), i.member_id, i.code, i.message) for i in found]
    return page, (page[-1].line if page and found.last_evaluated_key else None)
