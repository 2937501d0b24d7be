#!/usr/bin/env bash
# Builds an R runtime image without a container registry: debootstrap a minimal Debian with R
# from Debian's packages, import it as a base image, then build runtime-images/<flavour> on it.
# Skips the work when an image built from the same sources already exists.
#
#   scripts/build-runtime-image.sh [base]        -> r-runner/r-base:latest
#   scripts/build-runtime-image.sh full          -> r-runner/r-full:latest (tidyverse, data.table,
#                                                   lme4 and more; see runtime-images/full/)
#
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian), DEBIAN_SUITE (bookworm),
# R_RUNNER_CACHE (default /var/cache/r-runner, where the debootstrapped trees are made).
set -euo pipefail

flavour=${1:-base}
root=$(cd "$(dirname "$0")/.." && pwd)
images="$root/runtime-images"
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=${DEBIAN_SUITE:-bookworm}
cache=${R_RUNNER_CACHE:-/var/cache/r-runner}

case "$flavour" in
  base)
    packages="r-base-core,tini"
    image="r-runner/r-base:latest"
    ;;
  full)
    # runtime-images/full/Dockerfile installs the same list. Comments and blank lines are dropped.
    packages=$(sed -e 's/#.*//' "$images/full/packages.txt" | xargs | tr ' ' ',')
    image="r-runner/r-full:latest"
    ;;
  *)
    echo "unknown runtime image flavour: $flavour (expected: base or full)" >&2
    exit 2
    ;;
esac
rootfs_image="r-runner/rootfs-$flavour:$suite"

log() { printf '%s build-runtime-image: %s\n' "$(date -u +%H:%M:%S)" "$*"; }

source_hash=$(cd "$images" && find shared "$flavour" -type f -print0 | sort -z |
  xargs -0 sha256sum | sha256sum | cut -c1-16)
source_hash="$source_hash-$(echo "$packages $suite" | sha256sum | cut -c1-8)"

current=$(docker image inspect --format '{{ index .Config.Labels "org.r-runner.source-hash" }}' \
  "$image" 2>/dev/null || true)
if [ "$current" = "$source_hash" ]; then
  log "$image is up to date ($source_hash)"
  exit 0
fi

if ! docker image inspect "$rootfs_image" >/dev/null 2>&1; then
  command -v debootstrap >/dev/null || {
    log "installing debootstrap"
    apt-get install -y -q debootstrap >/dev/null
  }
  tree="$cache/rootfs-$flavour-$suite"
  rm -rf "$tree"
  mkdir -p "$cache"
  log "debootstrapping $suite with $packages into $tree (a few minutes)"
  debootstrap --variant=minbase --include="$packages" "$suite" "$tree" "$mirror" \
    >"$cache/debootstrap-$flavour.log" 2>&1 || {
    tail -n 30 "$cache/debootstrap-$flavour.log" >&2
    exit 1
  }
  # Package caches, documentation and manuals are not needed at run time.
  rm -rf "$tree"/var/cache/apt/archives/*.deb "$tree"/var/lib/apt/lists/* \
    "$tree"/usr/share/doc/* "$tree"/usr/share/man/* "$tree"/usr/share/info/*
  log "importing $tree as $rootfs_image"
  tar --numeric-owner -C "$tree" -c . | docker import - "$rootfs_image" >/dev/null
  rm -rf "$tree"
fi

log "building $image on $rootfs_image"
docker build --quiet --network none \
  --file "$images/$flavour/Dockerfile.offline" \
  --build-arg "ROOTFS_IMAGE=$rootfs_image" \
  --label "org.r-runner.source-hash=$source_hash" \
  --tag "$image" "$images" >/dev/null
log "built $image ($source_hash)"
