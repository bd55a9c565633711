"""Check invariants 1-5 over every member of a live table and print what breaks (exit 1 if anything does).

    python -m scripts.audit                                  # the tables named by the environment (AWS)
    python -m scripts.audit --endpoint http://127.0.0.1:5055 # the local run's embedded DynamoDB
"""
from __future__ import annotations

import argparse
import os
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", help="a local DynamoDB endpoint (the local run's moto server)")
    args = parser.parse_args()
    if args.endpoint:
        os.environ.update({"AWS_ENDPOINT_URL_DYNAMODB": args.endpoint,
                           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                           "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"})
        os.environ.update({"MEMBERS_TABLE": "MembersTable", "LEDGER_TABLE": "LedgerTable",
                           "PROGRAM_TABLE": "ProgramTable", "ANALYTICS_TABLE": "AnalyticsTable",
                           "EVENT_BUS_NAME": "LoyaltyBus"})
    os.environ.setdefault("PROGRAM_CACHE_SECONDS", "30")  # read once: the audit is one run
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    from loyalty.service.ledger_audit import audit_all  # after the environment: the layer reads it at import

    members, problems = audit_all()
    for problem in problems:
        print(problem)
    print(f"audited {members} members: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
