#!/usr/bin/env bash
# Validate template.yaml offline: cfn-lint, then `sam validate --lint` (SAM transform + cfn-lint).
# Uses the repo's virtualenvs (.venv: cfn-lint, .venv-sam: aws-sam-cli). Never contacts AWS:
# dummy credentials, a fixed region and no instance-metadata lookups.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CFN_LINT="${CFN_LINT:-.venv/bin/cfn-lint}"
SAM="${SAM:-.venv-sam/bin/sam}"

for tool in "$CFN_LINT" "$SAM"; do
  if [[ ! -x "$tool" ]]; then
    echo "validate_template: $tool not found (create the virtualenvs first)" >&2
    exit 2
  fi
done

export AWS_ACCESS_KEY_ID=testing
export AWS_SECRET_ACCESS_KEY=testing
export AWS_SESSION_TOKEN=testing
export AWS_SECURITY_TOKEN=testing
export AWS_DEFAULT_REGION=us-east-1
export AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/dev/null
export AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE
export SAM_CLI_TELEMETRY=0

status=0

echo "==> cfn-lint template.yaml"
if "$CFN_LINT" template.yaml; then
  echo "cfn-lint: OK"
else
  rc=$?
  # cfn-lint exit codes are a bitmask: 2 = errors, 4 = warnings, 8 = informational, 1 = crash. Zero warnings.
  if (( rc & 7 )); then
    echo "cfn-lint: FAILED (exit $rc)" >&2
    status=1
  else
    echo "cfn-lint: informational only (exit $rc)"
  fi
fi

echo "==> sam validate --lint"
if "$SAM" validate --lint --template-file template.yaml --region us-east-1; then
  echo "sam validate: OK"
else
  echo "sam validate: FAILED" >&2
  status=1
fi

exit "$status"
