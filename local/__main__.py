"""`python -m local`: run template.yaml locally until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from .aws import port_is_free
from .runner import Runner, start

DEFAULT_MOTO_PORT = 5055
DEFAULT_DATA_DIR = ".local-data"  # under --root; `make reset` deletes it


def _moto_port() -> int:
    if "LOYALTY_MOTO_PORT" in os.environ:
        return int(os.environ["LOYALTY_MOTO_PORT"])
    return DEFAULT_MOTO_PORT if port_is_free(DEFAULT_MOTO_PORT) else 0  # 0: any free port


def data_dir_of(option: str | None, root: str) -> Path | None:
    """--data-dir, else $LOYALTY_DATA_DIR, else .local-data under the root; "none": nothing is kept."""
    value = option or os.environ.get("LOYALTY_DATA_DIR") or str(Path(root) / DEFAULT_DATA_DIR)
    return None if value.lower() == "none" else Path(value).resolve()


def data_line(runner: Runner, root: str) -> str:
    if runner.data_file is None:
        return "data: not kept (data dir: none): every start is empty"
    count = f"{runner.restored:,} item{'' if runner.restored == 1 else 's'}".replace(",", " ")
    default = runner.data_file.parent == (Path(root) / DEFAULT_DATA_DIR).resolve()
    how = "make reset empties it" if default else "delete it to start empty"
    return f"data: {runner.data_file} ({count} restored; {how})"


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
    parser.add_argument("--data-dir", help=f"where the tables are kept across restarts ($LOYALTY_DATA_DIR, default "
                                           f"{DEFAULT_DATA_DIR} under --root); none: start empty, keep nothing")
    args = parser.parse_args(argv)

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("local").addHandler(handler)
    logging.getLogger("local").setLevel(os.environ.get("LOYALTY_LOCAL_LOG_LEVEL", "INFO").upper())

    try:
        runner = start(
            args.template, args.root, args.port, args.lambda_port, args.moto_port,
            preload=args.preload, schedules=False if args.no_schedules else None,
            data_dir=data_dir_of(args.data_dir, args.root),
        )
    except OSError as exc:  # a port in use, a missing template
        print(f"python -m local: {exc}", file=sys.stderr)
        return 1
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    print(f"Loyalty local run: API {runner.api_url}, Lambda {runner.lambda_url}, DynamoDB {runner.moto_url}", flush=True)
    print(data_line(runner, args.root), flush=True)  # a line of its own: the one above keeps its format
    while not stopping.wait(1):
        pass
    runner.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
