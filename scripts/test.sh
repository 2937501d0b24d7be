#!/usr/bin/env bash
# Sets up what the tests need (Docker engine, R runtime image, MinIO, Node.js dependencies),
# then runs the type check, the linters and every test: unit tests and integration tests
# against the real Docker engine and the real MinIO. Extra arguments go to vitest.
set -euo pipefail

source "$(dirname "$0")/lib/services.sh"

ensure_all
# The full analytics image (about 1.5 min to build the first time) for its integration tests.
ensure_full_runtime_image

export S3_ENDPOINT="http://$MINIO_ADDRESS"
export S3_ACCESS_KEY_ID=$MINIO_ROOT_USER
export S3_SECRET_ACCESS_KEY=$MINIO_ROOT_PASSWORD
export R_RUNNER_STATE=$STATE
export MINIO_BINARY
MINIO_BINARY=$(minio_binary)

cd "$ROOT"
say "type check and lint"
npx tsc --noEmit
npx eslint .
npx prettier --check . >/dev/null || {
  npx prettier --list-different .
  say "files above are not formatted: run npm run format"
  exit 1
}
say "running the tests"
npx vitest run "$@"

# Every run container a test created must be gone. Containers of the function that
# scripts/serve.sh runs on this machine (instance: the host name) are not the tests'.
say "checking that no run container is left"
leftovers=
for _ in $(seq 1 20); do
  leftovers=$(docker ps -a --filter label=org.r-runner.owner=r-runner \
    --format '{{.ID}} {{.Label "org.r-runner.instance"}}' | grep -v " $(hostname)\$" || true)
  [ -z "$leftovers" ] && break
  sleep 0.5
done
if [ -n "$leftovers" ]; then
  printf 'run containers left by the tests:\n%s\n' "$leftovers" >&2
  exit 1
fi
say "no run container is left"
