"""The fuzz stage of `make test`: schemathesis against a started local run, from our own OpenAPI document.

    python -m scripts.fuzz   # LOYALTY_API and LOYALTY_MOTO name the local run (scripts/with_local_run.py sets them)

Enrolls the members the runs use (with a service token), fuzzes twice with tests/fuzz/schemathesis.toml
(the checks, phases, deterministic generation and known ids live there): as admin (`sub=ops`,
`scope=loyalty/admin`) and as a member (`sub=fuzz-member`, no scope). Prints the figures of each run (cases,
operations, failures by check and operation, with one reproducing request each), puts the program document
back as it was if a fuzzed PUT /v1/admin/program replaced it (the stages after this one expect the shipped
catalog), then audits the local run's tables. Exits 1 on any failure, on a run with fewer cases than
--min-cases, or on a dirty audit.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import requests
from jwt.warnings import InsecureKeyLengthWarning

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "tests" / "fuzz" / "schemathesis.toml"
SCHEMA = ROOT / "layers" / "loyalty" / "loyalty" / "openapi.json"
SECRET = os.environ.get("LOYALTY_LOCAL_JWT_SECRET", "local-dev-secret")
MEMBERS = ("fuzz-member", "fuzz-friend")  # the ids tests/fuzz/schemathesis.toml offers as `member_id`
IDENTITIES = {"admin": ("ops", "loyalty/admin"), "member": ("fuzz-member", "")}
SNIPPET = 300  # characters of a request or response body shown in a reproduction
NOISE_HEADERS = ("user-agent", "x-schemathesis-testcaseid", "accept", "accept-encoding", "connection", "content-length")


@dataclass
class Group:
    """Failing cases of one check on one operation, and the shortest request among them."""

    message: str
    cases: int = 0
    request: str = ""
    response: str = ""


@dataclass
class Started:
    who: str
    secret: str
    process: subprocess.Popen[bytes]
    out: Path
    began: float


@dataclass
class Run:
    who: str
    exit_code: int
    report: dict[str, Any]
    cases_by_operation: dict[str, int]
    seconds: float
    failures: dict[tuple[str, str], Group] = field(default_factory=dict)


def token(sub: str, scope: str) -> str:
    warnings.simplefilter("ignore", InsecureKeyLengthWarning)  # the local run's well-known test secret
    now = int(time.time())
    return jwt.encode({"sub": sub, "scope": scope, "iat": now, "exp": now + 3600}, SECRET, algorithm="HS256")


def enroll(api: str, member_id: str) -> None:
    answer = requests.post(f"{api}/v1/members", json={"member_id": member_id}, timeout=60,
                           headers={"Authorization": f"Bearer {token('checkout', 'loyalty/service')}"})
    if answer.status_code not in (201, 409):  # 409: ALREADY_ENROLLED by an earlier run on the same tables
        raise SystemExit(f"enrolling {member_id}: {answer.status_code} {answer.text}")


def start(who: str, api: str, schema: Path, out: Path) -> Started:
    """One `st run` as `who`, in the background: the two identities fuzz the local run side by side."""
    secret = token(*IDENTITIES[who])
    command = [str(Path(sys.executable).with_name("st")), "--config-file", str(CONFIG), "run", str(schema),
               "--url", api, "--no-color", "--report", "json,ndjson",
               "--report-json-path", str(out / f"{who}.json"), "--report-ndjson-path", str(out / f"{who}.ndjson")]
    env = {**os.environ, "LOYALTY_FUZZ_TOKEN": secret}
    with (out / f"{who}.log").open("w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    return Started(who, secret, process, out, time.monotonic())


def program(api: str) -> tuple[dict[str, Any], int]:
    answer = requests.get(f"{api}/v1/admin/program", timeout=60,
                          headers={"Authorization": f"Bearer {token(*IDENTITIES['admin'])}"})
    if answer.status_code != 200:
        raise SystemExit(f"reading the program: {answer.status_code} {answer.text[:SNIPPET]}")
    return answer.json()["program"], answer.json()["revision"]


def restore_program(api: str, before: tuple[dict[str, Any], int]) -> None:
    """Put the document read before fuzzing back in force if fuzzing replaced it."""
    document, revision = program(api)
    print(f"\n== program: {revision - before[1]} revisions written by fuzzing"
          + ("" if document == before[0] else f"; revision {revision + 1} puts back revision {before[1]}'s document"))
    if document == before[0]:
        return
    answer = requests.put(f"{api}/v1/admin/program", json={"program": before[0], "revision": revision}, timeout=60,
                          headers={"Authorization": f"Bearer {token(*IDENTITIES['admin'])}"})
    if answer.status_code != 200:
        raise SystemExit(f"restoring the program: {answer.status_code} {answer.text[:SNIPPET]}")


def scenarios(events: Path) -> Iterator[dict[str, Any]]:
    with events.open() as lines:
        for line in lines:
            event = json.loads(line)
            if "ScenarioFinished" in event:
                yield event["ScenarioFinished"]["recorder"]


def raw_bytes(body: Any) -> bytes:
    if not body:
        return b""
    return base64.b64decode(body["$base64"]) if isinstance(body, dict) and "$base64" in body else str(body).encode()


def shell_quoted(raw: bytes) -> str:
    """Bash ANSI-C quoting ($'...'): pasting the line sends exactly these bytes."""
    chars = ("\\" + chr(b) if chr(b) in "\\'" else chr(b) if 32 <= b < 127 else f"\\x{b:02x}" for b in raw)
    return "$'" + "".join(chars) + "'"


def snippet(raw: bytes) -> str:
    text = " ".join(raw.decode("utf-8", errors="backslashreplace").split())
    return text if len(text) <= SNIPPET else f"{text[:SNIPPET]}... ({len(raw)} bytes)"


def header_argument(name: str, value: str, secret: str) -> str:
    if secret and secret in value:  # the run's token, shown as a variable the reader sets
        return f'-H "{name}: {value.replace(secret, "$TOKEN")}"'
    return f"-H {shell_quoted(f'{name}: {value}'.encode())}"


def reproduction(interaction: dict[str, Any], secret: str) -> tuple[str, str]:
    request, response = interaction["request"], interaction.get("response") or {}
    headers = [header_argument(name, value, secret) for name, values in request.get("headers", {}).items()
               for value in values if name.lower() not in NOISE_HEADERS]
    body = raw_bytes(request.get("body"))
    shown = shell_quoted(body) if len(body) <= SNIPPET else f"<{len(body)} bytes: {snippet(body)}>"
    uri = request["uri"] if len(request["uri"]) <= 2 * SNIPPET else f"{request['uri'][:2 * SNIPPET]}..."
    line = " ".join([f"curl -X {request['method']} {shell_quoted(uri.encode())}", *headers,
                     *([f"--data-binary {shown}"] if body else [])])
    answer = f"{response['status_code']} {snippet(raw_bytes(response.get('content')))}" if response else "no response"
    return line, answer


def record_failures(run: Run, events: Path, secret: str) -> None:
    for recorder in scenarios(events):
        for case_id, checks in recorder.get("checks", {}).items():
            for check in checks:
                if check["status"] == "failure":
                    add_failure(run, recorder, case_id, check, secret)


def add_failure(run: Run, recorder: dict[str, Any], case_id: str, check: dict[str, Any], secret: str) -> None:
    failure = check["failure_info"]["failure"]
    interaction = recorder.get("interactions", {}).get(case_id) or {}
    status = (interaction.get("response") or {}).get("status_code")
    operation = failure.get("operation") or recorder["label"]
    key = (f"{check['name']} ({failure['code']} {failure['title']})", f"{operation} -> {status}")
    group = run.failures.setdefault(key, Group(message=" ".join((failure["message"] or "").split())[:SNIPPET]))
    group.cases += 1
    if interaction:
        request, response = reproduction(interaction, secret)
        if not group.request or len(request) < len(group.request):
            group.request, group.response = request, response


def count_cases(events: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for recorder in scenarios(events):
        counts[recorder["label"]] = counts.get(recorder["label"], 0) + len(recorder.get("cases", {}))
    return counts


def finish(started: Started) -> Run:
    exit_code = started.process.wait()
    report, events = started.out / f"{started.who}.json", started.out / f"{started.who}.ndjson"
    if not report.exists() or not events.exists():
        raise SystemExit(f"schemathesis ({started.who}) exited {exit_code} without a report: "
                         f"see {started.out / started.who}.log")
    run = Run(started.who, exit_code, json.loads(report.read_text()), count_cases(events),
              time.monotonic() - started.began)
    record_failures(run, events, started.secret)
    return run


def print_run(run: Run) -> None:
    cases, operations = run.report["test_cases"], run.report["operations"]
    print(f"\n== fuzz as {run.who} {IDENTITIES[run.who]}: {cases['generated']} cases, "
          f"{operations['tested']}/{operations['total']} operations tested, {operations['errored']} errored, "
          f"{sum(g.cases for g in run.failures.values())} failing checks in {len(run.failures)} groups "
          f"(schemathesis exit {run.exit_code}, {run.seconds:.0f} s)")
    for label, count in sorted(run.cases_by_operation.items(), key=lambda item: item[0].split(" ", 1)[::-1]):
        print(f"   {count:5d} cases  {label}")
    for error in run.report.get("errors", []):
        print(f"   ERROR {json.dumps(error)[:SNIPPET]}")
    for (check, operation), group in sorted(run.failures.items()):
        print(f" FAIL {check} on {operation}: {group.cases} cases: {group.message}")
        print(f"      {group.request}\n      -> {group.response}")


def audit(moto: str) -> bool:
    result = subprocess.run([sys.executable, "-m", "scripts.audit", "--endpoint", moto],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    print(f"\n== audit after fuzzing: {result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ''}")
    if result.returncode != 0:
        print(result.stdout[-5000:], result.stderr[-5000:], sep="\n")
    return result.returncode == 0


def verdict(runs: list[Run], min_cases: int, audited: bool) -> int:
    problems = [f"{run.who}: {run.report['test_cases']['generated']} cases < {min_cases}"
                for run in runs if run.report["test_cases"]["generated"] < min_cases]
    problems += [f"{run.who}: schemathesis exit {run.exit_code}, {len(run.failures)} failure groups, "
                 f"{run.report['operations']['errored']} operations errored"
                 for run in runs if run.exit_code or run.failures or run.report["operations"]["errored"]]
    problems += [] if audited else ["audit: invariants broken after fuzzing"]
    total = sum(run.report["test_cases"]["generated"] for run in runs)
    print(f"\n== fuzz: {total} cases in {len(runs)} runs; " + ("; ".join(problems) if problems else "no failure"))
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api", default=os.environ.get("LOYALTY_API", "http://127.0.0.1:3000"))
    parser.add_argument("--moto", default=os.environ.get("LOYALTY_MOTO", "http://127.0.0.1:5055"))
    parser.add_argument("--schema", type=Path, default=SCHEMA, help="the OpenAPI document (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "fuzz", help="reports and logs")
    parser.add_argument("--min-cases", type=int, default=1000, help="fewest generated cases per run")
    parser.add_argument("--as", dest="who", choices=[*IDENTITIES, "both"], default="both")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for member_id in MEMBERS:
        enroll(args.api, member_id)
    before = program(args.api)
    started = [start(who, args.api, args.schema, args.out) for who in IDENTITIES if args.who in (who, "both")]
    runs = [finish(run) for run in started]
    for run in runs:
        print_run(run)
    restore_program(args.api, before)
    return verdict(runs, args.min_cases, audit(args.moto))


if __name__ == "__main__":
    sys.exit(main())
