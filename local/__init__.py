"""Local runner: the template's functions, HTTP API, rules and schedules on one machine (moto, no Docker, no AWS).

`python -m local` from the repo root; or `local.start(template_path, root, api_port, lambda_port, moto_port)`.
"""

from .runner import Runner, start

__all__ = ["Runner", "start"]
