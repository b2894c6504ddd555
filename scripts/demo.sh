#!/usr/bin/env bash
# `make demo`: runs the examples under a daemon of their own (home in a temporary folder),
# shows what a user sees, and stops everything it started.
set -euo pipefail
BIN="$(cd "${1:-.build/debug}" && pwd)"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export SWIFTPM2_HOME="$(mktemp -d /tmp/swiftpm2-demo.XXXXXX)"
pm2() { echo; echo "\$ swiftpm2 $*"; "$BIN/swiftpm2" "$@"; }
cleanup() { "$BIN/swiftpm2" kill >/dev/null 2>&1 || true; }
trap cleanup EXIT
cd "$ROOT/ecosystem-examples"

pm2 validate ecosystem.yaml
pm2 start ecosystem.json || true     # `broken` fails on purpose: start says why and exits 1
pm2 ping
echo; echo "\$ curl http://127.0.0.1:3001/"; curl -s --max-time 5 http://127.0.0.1:3001/ || echo "(web did not answer)"

echo; echo "-- cluster mode: 4 instances share port 3000, bound once by the daemon --"
pm2 start cluster.json
echo; echo "\$ for i in 1..8: curl http://127.0.0.1:3000/"
for i in 1 2 3 4 5 6 7 8; do curl -s --max-time 5 http://127.0.0.1:3000/ || echo "(no answer)"; done
echo; echo "-- waiting 4 s: each 'flaky' instance crashes after 3 s and is restarted; 'broken' gives up --"
sleep 4
pm2 list
pm2 describe broken
pm2 describe cluster-web
pm2 logs flaky --lines 3
echo; echo "\$ curl --unix-socket \$SWIFTPM2_HOME/daemon.sock http://localhost/v1/apps/web"
curl -s --unix-socket "$SWIFTPM2_HOME/daemon.sock" http://localhost/v1/apps/web | head -c 400; echo " ..."

echo; echo "-- a leaking server (20 MB/s) with max_memory_restart 64M: recycled, the replacement ready first --"
pm2 start leaky.json
sleep 5
pm2 describe leaky | grep -E "instance|note|memory" || true

echo; echo "-- messages: two Swift instances and a Python script with ipc: true --"
pm2 start messenger.json || true
sleep 1
pm2 trigger messenger rotate-keys || true
pm2 send all '{"hello": "from the demo"}' || true
pm2 trigger py-messenger py-hello '{"from": "demo"}' || true

echo; echo "\$ curl --unix-socket \$SWIFTPM2_HOME/daemon.sock http://localhost/metrics | grep instance_up"
curl -s --unix-socket "$SWIFTPM2_HOME/daemon.sock" http://localhost/metrics | grep "^swiftpm2_instance_up" | head -6
pm2 monit --once | head -20 || true
pm2 stop flaky
pm2 delete all
pm2 kill
rm -rf "$SWIFTPM2_HOME"
