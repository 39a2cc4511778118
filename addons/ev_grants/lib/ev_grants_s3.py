"""Receipts in S3: the one small client class around boto3 (never imports Odoo).

``S3Store(bucket, endpoint_url=None, region=None, access_key=None, secret_key=None)``: ``put``,
``get`` and ``head`` of objects by key. ``endpoint_url`` points at any S3 API (AWS, MinIO, or
moto's S3 server in the tests); without keys boto3 takes its usual credential chain (environment,
instance role). ``receipt_key`` gives the content-addressed key of a receipt.
"""

import re

import boto3
from botocore.config import Config


class S3Error(RuntimeError):
    pass


def receipt_key(dbname: str, company_id: int, sha256: str, filename: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", filename or "receipt")[:100]
    return f"ev-grants/{dbname}/{company_id}/{sha256[:2]}/{sha256}/{safe}"


class S3Store:
    def __init__(self, bucket, endpoint_url=None, region=None, access_key=None, secret_key=None):
        if not bucket:
            raise S3Error("no S3 bucket configured")
        self.bucket = bucket
        kwargs = {"config": Config(retries={"max_attempts": 3}, connect_timeout=10, read_timeout=30)}
        if endpoint_url:
            kwargs["endpoint_url"] = endpoint_url
        if region:
            kwargs["region_name"] = region
        if access_key and secret_key:
            kwargs["aws_access_key_id"] = access_key
            kwargs["aws_secret_access_key"] = secret_key
        self.client = boto3.client("s3", **kwargs)

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream", sha256: str = "") -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentType=content_type or "application/octet-stream",
                Metadata={"sha256": sha256} if sha256 else {},
            )
        except Exception as exc:
            raise S3Error(f"could not store {key} in bucket {self.bucket}: {exc}") from exc

    def get(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except Exception as exc:
            raise S3Error(f"could not read {key} from bucket {self.bucket}: {exc}") from exc

    def head(self, key: str) -> dict:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            raise S3Error(f"no object {key} in bucket {self.bucket}: {exc}") from exc
