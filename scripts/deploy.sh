#!/usr/bin/env bash
# Build and deploy one stage with SAM: `make deploy STAGE=dev|prod` [CORS_ALLOWED_ORIGINS=https://a,https://b]
# [LOG_RETENTION_DAYS=30] [ALARM_EMAIL=oncall@example.com] [COGNITO_DOMAIN_PREFIX=<prefix of the hosted UI>]; then
# the consoles go to their bucket. Sign-in: the stack's own Cognito user pool, or an issuer of your own with
# JWT_ISSUER=https://... JWT_AUDIENCE=client-id[,client-id]
# [COGNITO_DOMAIN=https://<prefix>.auth.<region>.amazoncognito.com CONSOLE_CLIENT_ID=... WALLET_CLIENT_ID=...].
# The parameters travel as a parameter file (see samconfig.toml). The program document is not one of them: a new
# stack serves the one the layer ships (program/default.json) until an operator edits it (PUT /v1/admin/program).
set -euo pipefail
cd "$(dirname "$0")/.."
stage="${1:-dev}"
if [ -n "${JWT_ISSUER:-}" ] && [ -z "${JWT_AUDIENCE:-}" ]; then
  echo "deploy: with JWT_ISSUER, set JWT_AUDIENCE to the accepted app client id(s), comma separated" >&2
  exit 2
fi
mkdir -p .aws-sam
params=".aws-sam/params-${stage}.yaml"
.venv/bin/python - "$stage" "$params" <<'PY'
import json, os, sys
stage, path = sys.argv[1:3]
# always passed, as a parameter left out keeps its previous value: no JWT_ISSUER is the stack's own user pool
params = {"Stage": stage, "JwtIssuer": os.environ.get("JWT_ISSUER", ""),
          "CognitoDomainPrefix": os.environ.get("COGNITO_DOMAIN_PREFIX", "")}
if os.environ.get("JWT_ISSUER"):
    params["JwtAudience"] = [a.strip() for a in os.environ["JWT_AUDIENCE"].split(",")]
if os.environ.get("CORS_ALLOWED_ORIGINS"):  # else the template's default: the consoles' own origin
    params["CorsAllowedOrigins"] = ",".join(o.strip() for o in os.environ["CORS_ALLOWED_ORIGINS"].split(","))
if os.environ.get("LOG_RETENTION_DAYS"):  # else 30
    params["LogRetentionDays"] = os.environ["LOG_RETENTION_DAYS"]
if os.environ.get("ALARM_EMAIL"):  # else no subscription: subscribe to the AlarmTopicArn output yourself
    params["AlarmEmail"] = os.environ["ALARM_EMAIL"]
open(path, "w").write(json.dumps(params))
PY
config_env=$([ "$stage" = prod ] && echo prod || echo default)
.venv-sam/bin/sam build --config-env "$config_env"
.venv-sam/bin/sam deploy --config-env "$config_env" --parameter-overrides "file://${params}"
# the consoles' files and config.json naming the hosted UI (the stack's outputs, or COGNITO_DOMAIN and the client
# ids with an issuer of your own; skipped, with a message, without one); stacks are loyalty-<stage>
region=$(sed -n 's/^region = "\(.*\)"/\1/p' samconfig.toml | head -1)
.venv/bin/python -m scripts.deploy_consoles --stack "loyalty-${stage}" --region "$region"
