#!/usr/bin/env bash
# Device heartbeats (issue #4): N devices heartbeating every INTERVAL seconds against one server
# on SQLite; latency from each heartbeat's scheduled time, and the writer's commits during the
# run (heartbeats must cost at most one transaction a second in all). Server and load tool are
# pinned to different cores. Results go to stdout as JSON lines.
#   RUNS=3 DEVICES=10000 INTERVAL=10 SECONDS=30 bash ops/bench/devices.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. ops/bench/lib.sh
RUNS=${RUNS:-3}
DEVICES=${DEVICES:-10000}
INTERVAL=${INTERVAL:-10}
SECONDS_RUN=${SECONDS:-30}
BIN=${BIN:-./target/release/yiwang}
[ -x "$BIN" ] || cargo build --release

WORK=$(mktemp -d /tmp/yiwang-devices-bench.XXXXXX)
echo "# $(date -u +%FT%TZ) $(nproc) cores; runs=$RUNS devices=$DEVICES interval=${INTERVAL}s" >&2

S="--data $WORK/sqlite"
echo bench-password | $BIN $S user add bench_admin --role admin --password-stdin >/dev/null
YIWANG_LOG__FILTER=warn taskset -c 1 $BIN $S serve --listen 127.0.0.1:18380 >/dev/null 2>"$WORK/serve.log" & PIDS+=($!)
wait_port http://127.0.0.1:18380/readyz
URL=http://127.0.0.1:18380
TOKEN=$(curl -sf $URL/api/v1/auth/login -H 'content-type: application/json' \
    -d '{"username":"bench_admin","password":"bench-password"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
ROOT=$(curl -sf "$URL/api/v1/regions?limit=1" -H "authorization: Bearer $TOKEN" | python3 -c 'import sys,json; print(json.load(sys.stdin)["items"][0]["id"])')
curl -sf $URL/api/v1/halls -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d "{\"region_id\":$ROOT,\"name\":\"压测大厅\",\"address\":\"bench\"}" >/dev/null
# Each run registers its own devices before it starts measuring.
for r in $(seq 1 "$RUNS"); do
    out=$(taskset -c 0 $BIN loadgen heartbeats --server $URL --token "$TOKEN" --devices "$DEVICES" \
        --interval "$INTERVAL" --duration "$SECONDS_RUN" --connections 64)
    emit heartbeats "$r" "\"devices\":$DEVICES,\"interval_s\":$INTERVAL,\"result\":$out"
done
