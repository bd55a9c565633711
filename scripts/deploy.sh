#!/usr/bin/env bash
# Build and deploy one stage with SAM: `make deploy STAGE=dev|prod JWT_ISSUER=https://... JWT_AUDIENCE=client-id`.
# The parameters travel as a parameter file (see samconfig.toml). The program document is not one of them: a new
# stack serves the one the layer ships (program/default.json) until an operator edits it (PUT /v1/admin/program).
set -euo pipefail
cd "$(dirname "$0")/.."
stage="${1:-dev}"
: "${JWT_ISSUER:?set JWT_ISSUER to the Cognito user pool issuer URL (https://...)}"
: "${JWT_AUDIENCE:?set JWT_AUDIENCE to the app client id(s), comma separated}"
mkdir -p .aws-sam
params=".aws-sam/params-${stage}.yaml"
.venv/bin/python - "$stage" "$params" <<'PY'
import json, os, sys
stage, path = sys.argv[1:3]
params = {"Stage": stage, "JwtIssuer": os.environ["JWT_ISSUER"],
          "JwtAudience": [a.strip() for a in os.environ["JWT_AUDIENCE"].split(",")]}
open(path, "w").write(json.dumps(params))
PY
config_env=$([ "$stage" = prod ] && echo prod || echo default)
.venv-sam/bin/sam build --config-env "$config_env"
.venv-sam/bin/sam deploy --config-env "$config_env" --parameter-overrides "file://${params}"
