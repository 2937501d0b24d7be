#!/usr/bin/env bash
# Sets up the service's parts like scripts/serve.sh, then runs the latency and throughput
# benchmark (scripts/bench.mjs). Figures go to stdout and to bench-results.json.
set -euo pipefail

source "$(dirname "$0")/lib/services.sh"

ensure_all
export S3_ENDPOINT="http://$MINIO_ADDRESS"
export S3_ACCESS_KEY_ID=$MINIO_ROOT_USER
export S3_SECRET_ACCESS_KEY=$MINIO_ROOT_PASSWORD

cd "$ROOT"
node scripts/bench.mjs "$@"
