#!/bin/sh
# Finishes a runtime image whose Debian system already has R and tini: adds the users, the
# helper scripts and the package inventory. Shared by the offline and the registry builds.
set -eu

# The keeper (PID 1) and the script run as different users, so that the script can kill
# every process of its own but never the keeper.
groupadd --gid 10000 keeper
useradd --uid 10000 --gid 10000 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin keeper
groupadd --gid 10001 runner
useradd --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /bin/sh runner

install -d -m 0755 /usr/local/lib/r-runner /usr/local/share/r-runner /workspace
install -m 0755 /tmp/r-runner-build/run-script /tmp/r-runner-build/stop-processes \
  /tmp/r-runner-build/collect /usr/local/lib/r-runner/
install -m 0644 /tmp/r-runner-build/reap.sh /tmp/r-runner-build/preload.R /usr/local/lib/r-runner/

Rscript /tmp/r-runner-build/inventory.R >/usr/local/share/r-runner/inventory.json
rm -rf /tmp/r-runner-build
