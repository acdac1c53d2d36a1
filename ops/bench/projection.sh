#!/usr/bin/env bash
# The supervision projection at start (issue #5) with CASES open cases on SQLite. The first
# start finds no snapshot: it rebuilds the projection from every open case, judges them all and
# stores the snapshot. Every later start reads the snapshot back and replays the events since.
# Per start: `yiwang serve` launched -> the supervision job's first run done (from /metrics),
# the run's own outcome line (debug log) and the resident memory after it.
#   RUNS=3 CASES=1000000 DEPARTMENTS=20 bash ops/bench/projection.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
CASES=${CASES:-1000000}
DEPARTMENTS=${DEPARTMENTS:-20}
BIN=${BIN:-./target/release/yiwang}
[ -x "$BIN" ] || cargo build --release

WORK=$(mktemp -d /tmp/yiwang-projection-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
wait_port() { for _ in $(seq 1 2000); do curl -sf "$1" >/dev/null && return 0; sleep 0.01; done; echo "no answer from $1" >&2; return 1; }
login() { curl -sf "$1/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$2\",\"password\":\"bench-password\"}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])'; }
emit() { echo "{\"bench\":\"$1\",\"run\":$2,$3}"; }
SERVER=http://127.0.0.1:18381
D="--data $WORK/data"
echo "# $(date -u +%FT%TZ) $(nproc) cores; runs=$RUNS open cases=$CASES" >&2

# ---- the store: one real case per department through the API, then copied, all open ----
echo bench-password | $BIN $D user add bench_admin --role admin --password-stdin >/dev/null
YIWANG_LOG__FILTER=warn $BIN $D serve --listen 127.0.0.1:18381 >/dev/null 2>"$WORK/setup.log" & pid=$!; PIDS+=($pid)
wait_port $SERVER/readyz
TOKEN=$(login $SERVER bench_admin)
$BIN loadgen case-setup --server $SERVER --token "$TOKEN" --departments "$DEPARTMENTS" >/dev/null
kill $pid; wait $pid 2>/dev/null || true; PIDS=()
emit clone 0 "\"result\":$($BIN $D loadgen clone-cases --cases "$CASES" --open-share 1.0)"

# ---- run 0 rebuilds (no snapshot yet); runs 1..RUNS read the snapshot back ----
for r in $(seq 0 "$RUNS"); do
    log="$WORK/serve$r.log"
    t0=$(date +%s.%N)
    YIWANG_LOG__FILTER="warn,yiwang_core::service::jobs=debug" YIWANG_LOG__FORMAT=json \
        $BIN $D serve --listen 127.0.0.1:18381 >/dev/null 2>"$log" & pid=$!; PIDS+=($pid)
    wait_port $SERVER/readyz; t1=$(date +%s.%N)
    for _ in $(seq 1 12000); do
        curl -sf $SERVER/metrics | grep -q '^yiwang_job_runs{job="supervision"} [1-9]' && break; sleep 0.01
    done
    t2=$(date +%s.%N)
    rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
    outcome=$(grep -m1 '"job":"supervision"' "$log" | python3 -c 'import sys,json; print(json.dumps(json.loads(sys.stdin.readline())["fields"]["outcome"]))' 2>/dev/null || echo '"?"')
    emit start "$r" "\"ready_ms\":$(python3 -c "print(round(($t1-$t0)*1000))"),\"engine_loaded_ms\":$(python3 -c "print(round(($t2-$t0)*1000))"),\"rss_kb\":$rss,\"outcome\":$outcome"
    kill $pid; wait $pid 2>/dev/null || true; PIDS=()
done
