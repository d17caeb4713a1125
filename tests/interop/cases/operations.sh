#!/usr/bin/env bash
# curl against the sandbox's operations endpoints: health, metrics, request ids, 404s.
set -euo pipefail
base=$(python3 -c 'import json,os; print(json.load(open(os.environ["GATEHOUSE_CREDENTIALS"]))["base_url"])')

body=$(curl -fsS "$base/healthz")
[ "$body" = '{"status":"ok"}' ] || { echo "healthz answered $body"; exit 1; }

id=$(curl -fsS -D - -o /dev/null -H 'X-Request-Id: interop-42' "$base/healthz" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-request-id"{print $2}')
[ "$id" = "interop-42" ] || { echo "request id not echoed: '$id'"; exit 1; }

code=$(curl -sS -o /dev/null -w '%{http_code}' "$base/nope")
[ "$code" = 404 ] || { echo "unknown path answered $code"; exit 1; }

# Read whole first: `grep -q` stops at the first match, and curl writing into the closed
# pipe would fail the pipeline under pipefail.
metrics=$(curl -fsS "$base/metrics")
grep -q 'gatehouse_requests_total{dialect="ops",outcome="ok"}' <<<"$metrics" \
  || { echo "metrics lack the ops counter"; exit 1; }
