"""The files of exports in the exports bucket: a part per step, the export joined from its parts as one gzip
stream (multipart upload past 8 MB), presigned GET URLs."""
from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable

from ..platform.clients import s3
from ..platform.settings import export_settings

MULTIPART_BYTES = 8 * 1024 * 1024  # S3 wants parts of 5 MB or more, but the last
URL_SECONDS = 3600


def gzipped(lines: Iterable[str]) -> bytes:
    return gzip.compress("".join(f"{line}\n" for line in lines).encode(), mtime=0)


def put_part(key: str, data: bytes) -> None:
    s3().put_object(Bucket=export_settings().exports_bucket, Key=key, Body=data, ContentType="application/gzip")


def _read_text(key: str) -> bytes:
    body = s3().get_object(Bucket=export_settings().exports_bucket, Key=key)["Body"].read()
    return gzip.decompress(body)


class _Upload:
    """Bytes out to one object: a plain put when they are few, else a multipart upload of 8 MB parts."""

    def __init__(self, key: str) -> None:
        self.bucket, self.key = export_settings().exports_bucket, key
        self.buffer = bytearray()
        self.upload_id: str | None = None
        self.parts: list[dict[str, object]] = []

    def write(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) >= MULTIPART_BYTES:
            self._send_part()

    def _send_part(self) -> None:
        if self.upload_id is None:
            self.upload_id = s3().create_multipart_upload(Bucket=self.bucket, Key=self.key,
                                                          ContentType="application/gzip")["UploadId"]
        number = len(self.parts) + 1
        answer = s3().upload_part(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number,
                                  Body=bytes(self.buffer))
        self.parts.append({"PartNumber": number, "ETag": answer["ETag"]})
        self.buffer.clear()

    def close(self) -> None:
        if self.upload_id is None:
            s3().put_object(Bucket=self.bucket, Key=self.key, Body=bytes(self.buffer), ContentType="application/gzip")
            return
        if self.buffer:
            self._send_part()
        s3().complete_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id,
                                       MultipartUpload={"Parts": self.parts})

    def abort(self) -> None:
        if self.upload_id is not None:
            s3().abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.upload_id)


def join(part_keys: list[str], key: str) -> None:
    """Write `key` as one gzip stream of the parts' lines in order. The same parts give the same bytes (no time
    in the gzip header), so joining again after a crash writes the same object."""
    upload = _Upload(key)
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)  # wbits 31: a gzip header, mtime 0
    try:
        for part in part_keys:
            upload.write(packer.compress(_read_text(part)))
        upload.write(packer.flush())
        upload.close()
    except BaseException:
        upload.abort()
        raise


def delete(keys: list[str]) -> None:
    """Parts no longer needed (the bucket's lifecycle rule removes any a crash left behind)."""
    bucket = export_settings().exports_bucket
    for i in range(0, len(keys), 1000):
        s3().delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[i:i + 1000]], "Quiet": True})


def url(key: str) -> str:
    """A presigned GET of the file (in the local run, at its moto server, which serves it)."""
    answer: str = s3().generate_presigned_url("get_object", Params={"Bucket": export_settings().exports_bucket,
                                                                   "Key": key}, ExpiresIn=URL_SECONDS)
    return answer
