#!/usr/bin/env bash
# Runs a second Docker daemon on loopback that accepts only clients with a certificate from its
# own CA (mutual TLS), next to the main daemon, and copies the R runtime image into it. It is
# how the remote Docker set-up is tested, and a way to try DOCKER_HOST=tcp://... by hand.
#
#   scripts/docker-tls.sh start DIR [PORT]   # certificates, daemon and image; PORT 2376
#   scripts/docker-tls.sh stop DIR           # stops the daemon of DIR and deletes its data
#   scripts/docker-tls.sh certs DIR          # only the certificates, e.g. for another host
#
# DIR receives the CA (ca.pem, ca-key.pem), the server's certificate (server-cert.pem,
# server-key.pem) and the client's (cert.pem, key.pem: the names DOCKER_CERT_PATH expects),
# and daemon/ with the daemon's data, socket, pid file and log. Certificates already in DIR are
# kept. Environment: DOCKER_TLS_SAN (the server certificate's subjectAltName, default
# IP:127.0.0.1), RUNNER_SCRIPT_IMAGE (the image copied from the main daemon, default
# r-runner/r-base:latest), CERT_DAYS (validity, default 30).
set -euo pipefail

command=${1:-}
dir=${2:-}
port=${3:-2376}
image=${RUNNER_SCRIPT_IMAGE:-r-runner/r-base:latest}
days=${CERT_DAYS:-30}
san=${DOCKER_TLS_SAN:-IP:127.0.0.1}

log() { printf '%s docker-tls: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

usage() {
  echo "usage: $0 start DIR [PORT] | $0 stop DIR | $0 certs DIR" >&2
  exit 2
}

[ -n "$dir" ] || usage
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
daemon="$dir/daemon"
socket="$daemon/docker.sock"
pidfile="$daemon/dockerd.pid"

# Runs openssl with its progress output in DIR/openssl.log, which is shown when it fails.
run_openssl() {
  openssl "$@" >>"$dir/openssl.log" 2>&1 || {
    cat "$dir/openssl.log" >&2
    return 1
  }
}

# Signs a certificate for $1 (file prefix) with the CA, with $2 as the OpenSSL extension text.
issue() {
  local name=$1 extensions=$2
  run_openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$dir/$name-key.pem" -out "$dir/$name.csr" -subj "/CN=r-runner $name"
  run_openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" \
    -CAcreateserial -days "$days" -out "$dir/$name-cert.pem" \
    -extfile <(printf '%s\n' "$extensions")
  rm -f "$dir/$name.csr"
}

generate_certificates() {
  if [ -s "$dir/ca.pem" ] && [ -s "$dir/cert.pem" ] && [ -s "$dir/server-cert.pem" ]; then
    return 0
  fi
  log "generating a CA, a server certificate for $san and a client certificate in $dir"
  (
    umask 077
    run_openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
      -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" -days "$days" -subj "/CN=r-runner docker CA"
    issue server "subjectAltName=$san"$'\nextendedKeyUsage=serverAuth'
    issue client 'extendedKeyUsage=clientAuth'
    mv "$dir/client-cert.pem" "$dir/cert.pem"
    mv "$dir/client-key.pem" "$dir/key.pem"
  )
}

# True when the pid file names a live dockerd; a stale file may name an unrelated process.
daemon_running() {
  [ -s "$pidfile" ] && [ "$(cat "/proc/$(cat "$pidfile")/comm" 2>/dev/null)" = dockerd ]
}

wait_for_daemon() {
  local pid=$1 deadline=$((SECONDS + 60))
  until docker -H "unix://$socket" version >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 20 "$daemon/dockerd.log" >&2
      log "dockerd did not answer on $socket"
      return 1
    fi
    sleep 0.2
  done
}

start_daemon() {
  if daemon_running; then
    log "dockerd of $dir is already running (pid $(cat "$pidfile"))"
    return 0
  fi
  mkdir -p "$daemon"
  # An empty configuration file keeps /etc/docker/daemon.json of the main daemon out.
  echo '{}' >"$daemon/daemon.json"
  log "starting dockerd on tcp://127.0.0.1:$port (log: $daemon/dockerd.log)"
  # Own data root, exec root, pid file and socket, and no bridge or iptables rules, so this
  # daemon shares nothing with the main one at /var/run/docker.sock. Run containers of
  # r-runner use no network, so they need no bridge.
  nohup dockerd \
    --config-file "$daemon/daemon.json" \
    --data-root "$daemon/data" \
    --exec-root "$daemon/exec" \
    --pidfile "$pidfile" \
    -H "unix://$socket" \
    -H "tcp://127.0.0.1:$port" \
    --tlsverify \
    --tlscacert "$dir/ca.pem" \
    --tlscert "$dir/server-cert.pem" \
    --tlskey "$dir/server-key.pem" \
    --bridge=none \
    --iptables=false \
    --ip-masq=false \
    >"$daemon/dockerd.log" 2>&1 &
  wait_for_daemon $!
}

load_image() {
  local wanted present
  wanted=$(docker image inspect --format '{{.Id}}' "$image")
  present=$(docker -H "unix://$socket" image inspect --format '{{.Id}}' "$image" 2>/dev/null ||
    true)
  if [ "$wanted" = "$present" ]; then
    return 0
  fi
  log "copying $image from the main daemon"
  docker save "$image" | docker -H "unix://$socket" load >/dev/null
}

stop_daemon() {
  if daemon_running; then
    local pid
    pid=$(cat "$pidfile")
    log "stopping dockerd of $dir (pid $pid)"
    kill -TERM "$pid"
    local deadline=$((SECONDS + 30))
    while kill -0 "$pid" 2>/dev/null; do
      if [ "$SECONDS" -ge "$deadline" ]; then
        log "dockerd did not stop within 30 s of SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
      fi
      sleep 0.2
    done
  fi
  # A daemon killed mid-run can leave overlay and namespace mounts behind, which would make
  # the data impossible to delete.
  findmnt -rn -o TARGET | awk -v prefix="$daemon/" 'index($0, prefix) == 1' | sort -r |
    xargs -r umount -l
  rm -rf "$daemon"
}

case "$command" in
  start)
    started=$SECONDS
    generate_certificates
    start_daemon
    load_image
    log "ready in $((SECONDS - started)) s"
    log "use: DOCKER_HOST=tcp://127.0.0.1:$port DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$dir"
    ;;
  stop)
    stop_daemon
    ;;
  certs)
    generate_certificates
    ;;
  *)
    usage
    ;;
esac
