"""`python -m local`: run template.yaml locally until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

from .aws import port_is_free
from .runner import start

DEFAULT_MOTO_PORT = 5055


def _moto_port() -> int:
    if "LOYALTY_MOTO_PORT" in os.environ:
        return int(os.environ["LOYALTY_MOTO_PORT"])
    return DEFAULT_MOTO_PORT if port_is_free(DEFAULT_MOTO_PORT) else 0  # 0: any free port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    parser.add_argument("--template", default="template.yaml", help="SAM template (default: template.yaml)")
    parser.add_argument("--root", default=".", help="repo root: program/ (default: .)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")), help="HTTP API port ($PORT)")
    parser.add_argument("--lambda-port", type=int, default=int(os.environ.get("LAMBDA_PORT", "3001")),
                        help="Lambda Invoke + EventBridge PutEvents port ($LAMBDA_PORT)")
    parser.add_argument("--moto-port", type=int, default=_moto_port(), help="moto port ($LOYALTY_MOTO_PORT)")
    parser.add_argument("--preload", action="store_true", help="import every handler at start")
    parser.add_argument("--no-schedules", action="store_true", help="do not fire schedules ($LOYALTY_SCHEDULES=off)")
    args = parser.parse_args(argv)

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("local").addHandler(handler)
    logging.getLogger("local").setLevel(os.environ.get("LOYALTY_LOCAL_LOG_LEVEL", "INFO").upper())

    try:
        runner = start(
            args.template, args.root, args.port, args.lambda_port, args.moto_port,
            preload=args.preload, schedules=False if args.no_schedules else None,
        )
    except OSError as exc:  # a port in use, a missing template
        print(f"python -m local: {exc}", file=sys.stderr)
        return 1
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    print(f"Loyalty local run: API {runner.api_url}, Lambda {runner.lambda_url}, DynamoDB {runner.moto_url}", flush=True)
    while not stopping.wait(1):
        pass
    runner.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
