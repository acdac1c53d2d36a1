#!/usr/bin/env bash
# Case targets of issue #3 on SQLite with CASES cases stored (default 1,000,000, 10% open):
# `yiwang serve` ready (first /readyz answer) and the supervision engine's first projection
# built (its job's first run, from /metrics); then a department's open cases, 100 per page
# (`GET /api/v1/cases?department_id=D&open=true&limit=100`), at a fixed rate, as the admin
# (whole city) and as a department's own staff (department scope), first page and a later one.
#   RUNS=3 CASES=1000000 OPEN_SHARE=0.1 DEPARTMENTS=20 RATE=200 DURATION=10 bash ops/bench/cases.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. ops/bench/lib.sh
RUNS=${RUNS:-3}
CASES=${CASES:-1000000}
OPEN_SHARE=${OPEN_SHARE:-0.1}
DEPARTMENTS=${DEPARTMENTS:-20}
RATE=${RATE:-200}
DURATION=${DURATION:-10}
BIN=${BIN:-./target/release/yiwang}
[ -x "$BIN" ] || cargo build --release

WORK=$(mktemp -d /tmp/yiwang-cases-bench.XXXXXX)
SERVER=http://127.0.0.1:18380
D="--data $WORK/data"
echo "# $(date -u +%FT%TZ) $(nproc) cores; runs=$RUNS cases=$CASES open=$OPEN_SHARE" >&2

# ---- the store: real cases through the API, then copied with the server stopped ----
case_store "$WORK/data" 18380 "$DEPARTMENTS" "$CASES" "$OPEN_SHARE"
DEP=$(python3 -c 'import sys,json; print(json.load(open(sys.argv[1]))["departments"][0])' "$WORK/setup.json")
echo bench-password | $BIN $D user add bench_dep --role window_staff --scope "department:$DEP" --password-stdin >/dev/null

for r in $(seq 1 "$RUNS"); do
    t0=$(date +%s.%N)
    YIWANG_LOG__FILTER=warn $BIN $D serve --listen 127.0.0.1:18380 >/dev/null 2>"$WORK/serve$r.log" & pid=$!; PIDS+=($pid)
    wait_port $SERVER/readyz; t1=$(date +%s.%N)
    # The supervision job's first run is the projection's rebuild from the store.
    for _ in $(seq 1 3000); do
        curl -sf $SERVER/metrics | grep -q '^yiwang_job_runs{job="supervision"} [1-9]' && break; sleep 0.01
    done
    t2=$(date +%s.%N)
    rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
    emit startup "$r" "\"ready_ms\":$(python3 -c "print(round(($t1-$t0)*1000))"),\"engine_loaded_ms\":$(python3 -c "print(round(($t2-$t0)*1000))"),\"rss_kb\":$rss"
    ADMIN=$(login $SERVER bench_admin); STAFF=$(login $SERVER bench_dep)
    LIST="$SERVER/api/v1/cases?department_id=$DEP&open=true&limit=100"
    AFTER=$(curl -sf "$LIST" -H "authorization: Bearer $ADMIN" | python3 -c 'import sys,json; print(json.load(sys.stdin)["next_after"])')
    for who in admin staff; do
        tok=$ADMIN; [ $who = staff ] && tok=$STAFF
        for page in first later; do
            url=$LIST; [ $page = later ] && url="$LIST&after=$AFTER"
            out=$($BIN loadgen run --url "$url" --token "$tok" --rate "$RATE" --duration "$DURATION" --connections 8)
            emit list_open "$r" "\"as\":\"$who\",\"page\":\"$page\",\"result\":$out"
        done
    done
    kill $pid; wait $pid 2>/dev/null || true; PIDS=()
done
