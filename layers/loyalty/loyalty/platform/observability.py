"""Powertools set up once per container and shared by every function.

The tracer patches botocore only (every DynamoDB, EventBridge, SQS and S3 call, PynamoDB's included): X-Ray's
default `patch_all` imports every library it can patch that happens to be installed (httpx, requests, sqlite3...),
which is most of a cold start and traces nothing this code calls."""
from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="loyalty")
tracer = Tracer(service="loyalty", patch_modules=["botocore"])
metrics = Metrics(namespace="Loyalty", service="loyalty")
