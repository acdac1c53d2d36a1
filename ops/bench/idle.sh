#!/usr/bin/env bash
# Resident memory of a server at idle on an empty data folder (issue #2): VmRSS 5 s after
# /readyz answers (as ops/bench/foundation.sh takes it) and 5 s later. With `load` as third
# argument: instead, VmRSS right after 5 s of authenticated reads (wrk, 64 connections) and
# 65 s later. Prints one JSON line.
#   bash ops/bench/idle.sh ./target/release/yiwang 18501 [load]
set -euo pipefail
BIN=$1; PORT=$2; MODE=${3:-idle}
D=$(mktemp -d /tmp/yiwang-idle.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$D"; }
trap cleanup EXIT
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
if [ "$MODE" = load ]; then
    echo bench-password | "$BIN" --data "$D/data" user add bench_admin --role admin --password-stdin >/dev/null 2>&1
fi
YIWANG_LOG__FILTER=warn "$BIN" --data "$D/data" serve --listen "127.0.0.1:$PORT" >/dev/null 2>&1 & pid=$!
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.05; done
if [ "$MODE" = load ]; then
    command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
    t=$(curl -sf "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'content-type: application/json' \
        -d '{"username":"bench_admin","password":"bench-password"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
    wrk -t2 -c64 -d5s -H "authorization: Bearer $t" "http://127.0.0.1:$PORT/api/v1/users" >/dev/null
    r0=$(rss); sleep 65; r1=$(rss)
    echo "{\"bin\":\"$BIN\",\"after_load_rss_kb\":$r0,\"after_load_65s_rss_kb\":$r1}"
else
    sleep 5; r0=$(rss); sleep 5; r1=$(rss)
    echo "{\"bin\":\"$BIN\",\"idle_rss_kb_5s\":$r0,\"idle_rss_kb_10s\":$r1}"
fi
