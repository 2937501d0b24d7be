# Shell functions that install and start what r-runner needs on one machine: the Docker
# engine, the R runtime image, MinIO and the Node.js dependencies. Each one is idempotent:
# it checks first and does only the missing work. Sourced by serve.sh and test.sh.

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
STATE=${R_RUNNER_STATE:-$ROOT/.local}
# Go and npm keep their caches under HOME, which a bare CI environment may lack.
export HOME=${HOME:-/root}
# Built programs are kept outside the work tree, so a fresh clone does not build them again.
CACHE=${R_RUNNER_CACHE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/r-runner}
# A fixed MinIO commit keeps builds reproducible; `go install` builds it from the module proxy.
MINIO_MODULE=github.com/minio/minio
MINIO_VERSION=${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}
MINIO_ADDRESS=${MINIO_ADDRESS:-127.0.0.1:9000}
MINIO_CONSOLE_ADDRESS=${MINIO_CONSOLE_ADDRESS:-127.0.0.1:9001}

mkdir -p "$STATE" "$CACHE"

# Go is installed under /usr/local/go on Debian machines without a go package.
if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then
  PATH=$PATH:/usr/local/go/bin
fi

say() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# Waits until the command succeeds, checking every half second, for at most $1 seconds.
wait_for() {
  local seconds=$1
  shift
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      return 1
    fi
    sleep 0.5
  done
}

apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then
    say "updating the package lists"
    apt-get update -q >"$STATE/apt.log" 2>&1
    apt_updated=1
  fi
  say "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >>"$STATE/apt.log" 2>&1 || {
    tail -n 20 "$STATE/apt.log" >&2
    return 1
  }
}

ensure_system_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v curl >/dev/null || missing+=(curl)
  if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}"
  fi
}

ensure_docker() {
  if docker info >/dev/null 2>&1; then
    return 0
  fi
  say "starting dockerd (log: $STATE/dockerd.log)"
  nohup dockerd >"$STATE/dockerd.log" 2>&1 &
  if ! wait_for 60 docker info; then
    tail -n 20 "$STATE/dockerd.log" >&2
    say "dockerd did not start within 60 s"
    return 1
  fi
}

ensure_runtime_image() {
  bash "$ROOT/scripts/build-runtime-image.sh" base
}

ensure_full_runtime_image() {
  bash "$ROOT/scripts/build-runtime-image.sh" full
}

minio_binary() { echo "$CACHE/bin/minio-$MINIO_VERSION"; }

ensure_minio_binary() {
  local binary
  binary=$(minio_binary)
  if [ -x "$binary" ]; then
    return 0
  fi
  say "building MinIO $MINIO_VERSION with go install (a few minutes the first time)"
  local gobin="$CACHE/gobin"
  mkdir -p "$gobin" "$CACHE/bin"
  GOBIN="$gobin" GOFLAGS=-mod=mod go install "$MINIO_MODULE@$MINIO_VERSION" >"$STATE/minio-build.log" 2>&1 || {
    tail -n 20 "$STATE/minio-build.log" >&2
    return 1
  }
  mv "$gobin/minio" "$binary"
}

# Generates the local MinIO credentials once and keeps them in $STATE/minio.env.
ensure_minio_credentials() {
  if [ ! -s "$STATE/minio.env" ]; then
    umask 077
    {
      echo "MINIO_ROOT_USER=r-runner-$(openssl rand -hex 4)"
      echo "MINIO_ROOT_PASSWORD=$(openssl rand -hex 24)"
    } >"$STATE/minio.env"
  fi
  # shellcheck disable=SC1091
  . "$STATE/minio.env"
  export MINIO_ROOT_USER MINIO_ROOT_PASSWORD
}

minio_ready() { curl -fsS "http://$MINIO_ADDRESS/minio/health/ready"; }

ensure_minio() {
  ensure_minio_binary
  ensure_minio_credentials
  if minio_ready >/dev/null 2>&1; then
    if [ -s "$STATE/minio.pid" ] && kill -0 "$(cat "$STATE/minio.pid")" 2>/dev/null; then
      return 0
    fi
    say "a MinIO that this folder did not start answers on $MINIO_ADDRESS; stop it or set MINIO_ADDRESS"
    return 1
  fi
  say "starting MinIO on $MINIO_ADDRESS (data: $STATE/minio-data, log: $STATE/minio.log)"
  mkdir -p "$STATE/minio-data"
  MINIO_BROWSER=off nohup "$(minio_binary)" server "$STATE/minio-data" \
    --address "$MINIO_ADDRESS" --console-address "$MINIO_CONSOLE_ADDRESS" \
    >"$STATE/minio.log" 2>&1 &
  echo $! >"$STATE/minio.pid"
  if ! wait_for 60 minio_ready; then
    tail -n 20 "$STATE/minio.log" >&2
    say "MinIO did not become ready within 60 s"
    return 1
  fi
}

ensure_node_modules() {
  local stamp="$ROOT/node_modules/.package-lock.json"
  if [ -f "$stamp" ] && [ "$stamp" -nt "$ROOT/package-lock.json" ]; then
    return 0
  fi
  say "installing Node.js dependencies (npm ci)"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error) >&2
}

ensure_bundle() {
  say "bundling the function (esbuild)"
  (cd "$ROOT" && npm run --silent build) >&2
}

# Generates the local bearer token once and keeps it in $STATE/token.
ensure_token() {
  if [ ! -s "$STATE/token" ]; then
    (umask 077 && openssl rand -hex 24 >"$STATE/token")
  fi
  cat "$STATE/token"
}

# Everything a run needs: the engine, the image, storage and the bundled function.
ensure_all() {
  ensure_system_packages
  ensure_docker
  ensure_runtime_image
  ensure_minio
  ensure_node_modules
  ensure_bundle
}
