#!/usr/bin/env bash
# The whole suite N times in a row (default 5) while one other process keeps both cores busy (two
# spinning threads) — issue 17's check that no test depends on an idle machine. Logs and a summary
# go to a temp folder; exits non-zero if any run failed.
set -uo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
out="$(mktemp -d -t doclayout-under-load-XXXX)"
rm -rf dist && npx tsc -p . || exit 1
node -e "const {Worker}=require('node:worker_threads'); for (let i=0;i<2;i++) new Worker('for(;;){}',{eval:true}); setInterval(()=>{},1e9)" &
load=$!
trap 'kill $load 2>/dev/null' EXIT
echo "commit $(git describe --always --dirty), busy process $load, logs in $out" | tee "$out/summary.txt"
failed=0
for n in $(seq 1 "$runs"); do
  start=$(date +%s)
  node --test dist/test/ > "$out/run-$n.log" 2>&1
  rc=$?
  [ "$rc" -eq 0 ] || failed=1
  echo "run $n: exit $rc, $(( $(date +%s) - start )) s, $(grep -E '^# (pass|fail|skipped) ' "$out/run-$n.log" | tr '\n' ' ')load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/summary.txt"
done
exit "$failed"
