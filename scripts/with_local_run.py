"""Start the local run (`python -m local`) on the given ports, wait until it answers, run a command, stop it.

Used by `make test` for the end-to-end and contract suites; schedules are off so tests own the clock, and nothing
is kept from one run to the next (no data dir)."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

READY_SECONDS = 90


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"local run exited with {process.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)  # polling a server that is starting, not timing a test
    raise SystemExit(f"local run did not answer {url} within {READY_SECONDS} s")


@contextmanager
def local_run(api_port: int, lambda_port: int, moto_port: int, *options: str,
              env: dict[str, str] | None = None, stdout: Any = None) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m local` on these ports with no data dir (every run starts empty), answering; stopped on exit."""
    server = subprocess.Popen(
        [sys.executable, "-m", "local", "--port", str(api_port), "--lambda-port", str(lambda_port),
         "--moto-port", str(moto_port), "--preload", "--data-dir", "none", *options],
        env=env, stdout=stdout, stderr=subprocess.STDOUT if stdout else None)
    try:
        wait_ready(f"http://127.0.0.1:{api_port}/v1/program", server)
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--api-port", type=int, default=3100)
    parser.add_argument("--lambda-port", type=int, default=3101)
    parser.add_argument("--moto-port", type=int, default=3102)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    env = {**os.environ, "LOYALTY_SCHEDULES": "off", "LOYALTY_LOCAL_LOG_LEVEL": "WARNING"}
    started = time.monotonic()
    with local_run(args.api_port, args.lambda_port, args.moto_port, env=env):
        print(f"local run ready in {time.monotonic() - started:.1f} s", flush=True)
        env_child = {**os.environ, "LOYALTY_API": f"http://127.0.0.1:{args.api_port}",
                     "LOYALTY_LAMBDA": f"http://127.0.0.1:{args.lambda_port}",
                     "LOYALTY_MOTO": f"http://127.0.0.1:{args.moto_port}"}
        return subprocess.call(command, env=env_child)


if __name__ == "__main__":
    sys.exit(main())
