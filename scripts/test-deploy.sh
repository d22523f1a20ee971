#!/usr/bin/env bash
# CI step for the deployment test (npm run test:deploy): installs what it needs from Debian
# (dockerd, Compose v1, debootstrap), then builds the images and runs the containers and Compose
# stacks on an engine of its own (test/deploy/docker/stack.live.ts). Needs root (dockerd,
# debootstrap) and Debian's apt mirror plus the npm registry (base images are made locally).
#
# The engine and every container live under one temporary folder; the trap below stops any
# dockerd left there and removes the folder on every exit path, even if the test process dies.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(docker.io docker-compose debootstrap)
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
if ! { command -v dockerd && command -v docker-compose && command -v debootstrap; } >/dev/null; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi

DOCLAYOUT_DEPLOY_TMP="$(mktemp -d /tmp/doclayout-deploy.XXXXXX)"
export DOCLAYOUT_DEPLOY_TMP
cleanup() {
  for pidfile in "$DOCLAYOUT_DEPLOY_TMP"/engine-*/dockerd.pid; do
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  # overlay2 layer mounts of an engine that died mid-run, deepest first.
  awk -v d="$DOCLAYOUT_DEPLOY_TMP/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$DOCLAYOUT_DEPLOY_TMP"
}
trap cleanup EXIT INT TERM

start=$(date +%s)
npm run test:deploy
echo "test:deploy took $(( $(date +%s) - start )) s"
