#!/usr/bin/env bash
# Sets up everything on this machine (Docker engine, R runtime image, MinIO on loopback, Node.js
# dependencies) and starts r-runner on http://127.0.0.1:8080 in the background. Running it
# again restarts the function with the same token and storage.
#
# Environment: PORT (8080), RUNNER_TOKEN (generated once into .local/token), RUN_POOL_SIZE (2
# warm containers here; the function's own default is 0), and any variable of the function's
# configuration, which is passed through.
set -euo pipefail

source "$(dirname "$0")/lib/services.sh"

ensure_all
token=${RUNNER_TOKEN:-$(ensure_token)}
port=${PORT:-8080}

if [ -s "$STATE/server.pid" ] && kill -0 "$(cat "$STATE/server.pid")" 2>/dev/null; then
  say "stopping the running function (pid $(cat "$STATE/server.pid"))"
  kill "$(cat "$STATE/server.pid")"
  wait_for 30 sh -c "! kill -0 $(cat "$STATE/server.pid") 2>/dev/null" || true
fi

say "starting the function on 127.0.0.1:$port (log: $STATE/server.log)"
RUNNER_TOKEN=$token PORT=$port HOST=${HOST:-127.0.0.1} RUN_POOL_SIZE=${RUN_POOL_SIZE:-2} \
  S3_ENDPOINT=${S3_ENDPOINT:-http://$MINIO_ADDRESS} \
  S3_ACCESS_KEY_ID=${S3_ACCESS_KEY_ID:-$MINIO_ROOT_USER} \
  S3_SECRET_ACCESS_KEY=${S3_SECRET_ACCESS_KEY:-$MINIO_ROOT_PASSWORD} \
  nohup node "$ROOT/dist/server.mjs" >>"$STATE/server.log" 2>&1 &
echo $! >"$STATE/server.pid"

if ! wait_for 30 curl -fsS "http://127.0.0.1:$port/health/ready"; then
  tail -n 20 "$STATE/server.log" >&2
  say "the function did not become ready within 30 s"
  exit 1
fi

cat <<MSG

r-runner is ready on http://127.0.0.1:$port
token: $token

  curl -s http://127.0.0.1:$port/run \\
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \\
    -d '{"script": "cat(2 + 2)"}'

Stop it with: kill \$(cat $STATE/server.pid)
MSG
