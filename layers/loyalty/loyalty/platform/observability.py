"""Powertools set up once per container and shared by every function."""
from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="loyalty")
tracer = Tracer(service="loyalty")
metrics = Metrics(namespace="Loyalty", service="loyalty")
