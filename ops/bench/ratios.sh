#!/usr/bin/env bash
# One run of the two throughput ratios against a bare actix-web "hello" (issues #2 and #4), for
# alternating A/B runs of two builds: an authenticated GET of a user and a take-ticket, each
# wrk -t2 -c64 for SECS seconds (default 5), hello measured between them. One JSON line.
#   for i in 1 2 3; do bash ops/bench/ratios.sh /tmp/yw-base 18601; bash ops/bench/ratios.sh /tmp/yw-new 18602; done
set -euo pipefail
BIN=$(realpath "$1"); PORT=$2; SECS=${SECS:-5}
cd "$(dirname "$0")/../.."
WORK=$(mktemp -d /tmp/ratios.XXXX)
. ops/bench/lib.sh
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
D="--data $WORK/data"
SERVER=http://127.0.0.1:$PORT
HELLO=http://127.0.0.1:$((PORT + 1))
echo bench-password | $BIN $D user add bench_admin --role admin --password-stdin >/dev/null
echo bench-password | $BIN $D user add bench_target --role operator --password-stdin >/dev/null
YIWANG_LOG__FILTER=warn $BIN $D serve --listen 127.0.0.1:$PORT >/dev/null 2>"$WORK/serve.log" & PIDS+=($!)
$BIN loadgen hello --listen 127.0.0.1:$((PORT + 1)) >/dev/null 2>&1 & PIDS+=($!)
wait_port $SERVER/readyz; wait_port $HELLO/hello
T=$(login $SERVER bench_admin)
TARGET=$(curl -sf "$SERVER/api/v1/users?limit=10" -H "authorization: Bearer $T" \
    | python3 -c 'import sys,json; print([u["id"] for u in json.load(sys.stdin)["items"] if u["username"]=="bench_target"][0])')
cat > "$WORK/get.lua" <<LUA
wrk.headers["authorization"] = "Bearer $T"
LUA
URL=$(take_setup $SERVER "$T")
rate() { wrk -t2 -c64 -d${SECS}s "$@" | awk '/Requests\/sec/ {print $2}'; }
hello1=$(rate $HELLO/hello)
get=$(rate -s "$WORK/get.lua" "$SERVER/api/v1/users/$TARGET")
hello2=$(rate $HELLO/hello)
take=$(rate -s "$WORK/take.lua" "$URL")
python3 - "$BIN" "$hello1" "$get" "$hello2" "$take" <<'PY'
import json, sys
b, h1, g, h2, t = sys.argv[1], *map(float, sys.argv[2:])
print(json.dumps({"bin": b, "hello_before_get": h1, "get_user": g, "get_ratio": round(g / h1, 3),
                  "hello_before_take": h2, "take_ticket": t, "take_ratio": round(t / h2, 3)}))
PY
