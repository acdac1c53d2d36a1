#!/usr/bin/env bash
# Queue benchmarks (issue #4): take-ticket capacity against a bare actix-web "hello" (closed loop,
# unpinned), and call-next latency at a fixed rate with tickets being taken at the same time as
# background load (open loop, server and load tool pinned to different cores), on SQLite.
# Everything runs on loopback with bounded counts and times. Results go to stdout as JSON lines.
# Meanwhile SUBSCRIBERS event streams stay open; each `ticket.called` is timed from its call's
# sending to its arrival on a stream (`event_after_call` in the call_next lines).
#   RUNS=3 CAP_SECONDS=10 LAT_SECONDS=60 CALL_RATE=500 TAKE_RATE=500 SUBSCRIBERS=1 bash ops/bench/queue.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. ops/bench/lib.sh
RUNS=${RUNS:-3}
CAP_SECONDS=${CAP_SECONDS:-10}
LAT_SECONDS=${LAT_SECONDS:-60}
CALL_RATE=${CALL_RATE:-500}
TAKE_RATE=${TAKE_RATE:-500}
WINDOWS=${WINDOWS:-50}
SUBSCRIBERS=${SUBSCRIBERS:-1}
BIN=${BIN:-./target/release/yiwang}
[ -x "$BIN" ] || cargo build --release
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/yiwang-queue-bench.XXXXXX)
wrk_rate() { wrk "$@" | awk '/Requests\/sec/ {print $2}'; }
echo "# $(date -u +%FT%TZ) $(nproc) cores; runs=$RUNS" >&2

S="--data $WORK/sqlite"
echo bench-password | $BIN $S user add bench_admin --role admin --password-stdin >/dev/null

# ---- take-ticket capacity against hello (both unpinned) ----
YIWANG_LOG__FILTER=warn $BIN $S serve --listen 127.0.0.1:18280 >/dev/null 2>"$WORK/serve.log" & PIDS+=($!)
wait_port http://127.0.0.1:18280/readyz
$BIN loadgen hello --listen 127.0.0.1:18281 >/dev/null 2>&1 & PIDS+=($!)
wait_port http://127.0.0.1:18281/hello
TOKEN=$(curl -sf http://127.0.0.1:18280/api/v1/auth/login -H 'content-type: application/json' \
    -d '{"username":"bench_admin","password":"bench-password"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
URL=$(take_setup http://127.0.0.1:18280 "$TOKEN")
for r in $(seq 1 "$RUNS"); do
    hello=$(wrk_rate -t2 -c64 -d${CAP_SECONDS}s http://127.0.0.1:18281/hello)
    take=$(wrk_rate -t2 -c64 -d${CAP_SECONDS}s -s "$WORK/take.lua" "$URL")
    emit take_ticket "$r" "\"hello_rps\":$hello,\"take_rps\":$take,\"ratio\":$(python3 -c "print(round($take/$hello,3))")"
done
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; PIDS=()

# ---- call-next latency at CALL_RATE with TAKE_RATE tickets taken meanwhile (pinned) ----
# lat_run NAME PORT [ENV=VALUE ...]: one pinned run on a fresh data folder, printing loadgen's JSON.
lat_run() {
    local name=$1 port=$2; shift 2
    local d="--data $WORK/$name"
    echo bench-password | $BIN $d user add bench_admin --role admin --password-stdin >/dev/null
    env "$@" YIWANG_LOG__FILTER=warn taskset -c 1 $BIN $d serve --listen 127.0.0.1:$port >/dev/null 2>"$WORK/$name.log" &
    local pid=$!; PIDS+=($pid)
    wait_port http://127.0.0.1:$port/readyz
    local t
    t=$(curl -sf http://127.0.0.1:$port/api/v1/auth/login -H 'content-type: application/json' \
        -d '{"username":"bench_admin","password":"bench-password"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
    taskset -c 0 $BIN loadgen queue --server http://127.0.0.1:$port --token "$t" --windows "$WINDOWS" \
        --take-rate "$TAKE_RATE" --call-rate "$CALL_RATE" --prefill 2000 --duration "$LAT_SECONDS" \
        --subscribers "$SUBSCRIBERS"
    kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
}
for r in $(seq 1 "$RUNS"); do
    out=$(lat_run "lat$r" 1829$r)
    emit call_next "$r" "\"call_rate\":$CALL_RATE,\"take_rate\":$TAKE_RATE,\"result\":$out"
done

# ---- the same with a dead peer configured (issue #6): DEAD_PEER=1 ----
# The peer accepts connections and never answers, so every delivery waits for its timeout and
# is retried at once; its connector takes every event (webhook format). Runs alternate without
# and with it, so both see the same machine.
if [ "${DEAD_PEER:-0}" = 1 ]; then
    python3 -c 'import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 18299)); s.listen(4096); time.sleep(100000)' &
    PIDS+=($!)
    for r in $(seq 1 "$RUNS"); do
        base=$(lat_run "alive$r" 1830$r)
        dead=$(lat_run "dead$r" 1831$r \
            YIWANG_INTEGRATIONS__CONNECTORS__DEAD__ENDPOINT=http://127.0.0.1:18299/events \
            YIWANG_INTEGRATIONS__CONNECTORS__DEAD__TIMEOUT_MS=1000 \
            YIWANG_INTEGRATIONS__CONNECTORS__DEAD__BACKOFF_BASE_MS=100 \
            YIWANG_INTEGRATIONS__CONNECTORS__DEAD__BACKOFF_MAX_MS=500 \
            YIWANG_INTEGRATIONS__CONNECTORS__DEAD__MAX_ATTEMPTS=1000000)
        emit call_next_dead_peer "$r" "\"call_rate\":$CALL_RATE,\"take_rate\":$TAKE_RATE,\"without\":$base,\"with_dead_peer\":$dead"
    done
fi
