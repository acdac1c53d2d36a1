#!/usr/bin/env bash
# Foundation benchmarks (issue #2): authenticated reads against a bare actix-web "hello", durable
# writes against one-by-one FULL commits, write latency at a fixed rate with the WAL's size,
# PostgreSQL writes against pgbench, start-up time and idle memory.
# Everything runs on loopback with bounded counts and times. Results go to stdout as JSON lines.
#   RUNS=3 LAT_SECONDS=60 SOAK_SECONDS=600 bash ops/bench/foundation.sh | tee bench.out
set -euo pipefail
cd "$(dirname "$0")/../.."
. ops/bench/lib.sh
RUNS=${RUNS:-3}
CAP_SECONDS=${CAP_SECONDS:-10}
LAT_SECONDS=${LAT_SECONDS:-60}
SOAK_SECONDS=${SOAK_SECONDS:-0}
RATE=${RATE:-3000}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
BIN=${BIN:-./target/release/yiwang}
[ -x "$BIN" ] || cargo build --release
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/yiwang-bench.XXXXXX)

wrk_rate() { wrk "$@" | awk '/Requests\/sec/ {print $2}'; }
seed() { # $1: storage flags
    echo bench-password | $BIN $1 user add bench_admin --role admin --password-stdin >/dev/null
    echo bench-password | $BIN $1 user add bench_target --role operator --password-stdin >/dev/null
}
serve() { # $1: storage flags, $2: port, $3: taskset cpu list or ""
    local pre=(); [ -n "$3" ] && pre=(taskset -c "$3")
    YIWANG_LOG__FILTER=warn "${pre[@]}" $BIN $1 serve --listen 127.0.0.1:$2 >/dev/null 2>"$WORK/serve-$2.log" &
    PIDS+=($!); wait_port "http://127.0.0.1:$2/readyz"
}

echo "# $(date -u +%FT%TZ) $(nproc) cores; runs=$RUNS" >&2

# ---- start-up and idle memory (empty data folder) ----
for r in $(seq 1 "$RUNS"); do
    d="$WORK/empty$r"; t0=$(date +%s.%N)
    YIWANG_LOG__FILTER=warn $BIN --data "$d" serve --listen 127.0.0.1:1809$r >/dev/null 2>&1 & pid=$!; PIDS+=($pid)
    wait_port "http://127.0.0.1:1809$r/readyz"; t1=$(date +%s.%N)
    sleep 5; rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
    emit startup "$r" "\"ready_ms\":$(python3 -c "print(round(($t1-$t0)*1000))"),\"idle_rss_kb\":$rss"
    kill $pid; wait $pid 2>/dev/null || true
done

# ---- SQLite server for reads and writes ----
S="--data $WORK/sqlite"
seed "$S"
serve "$S" 18080 ""
$BIN loadgen hello --listen 127.0.0.1:18081 >/dev/null 2>&1 & PIDS+=($!)
wait_port http://127.0.0.1:18081/hello
TOKEN=$(login http://127.0.0.1:18080 bench_admin)
TARGET=$(curl -sf http://127.0.0.1:18080/api/v1/users -H "authorization: Bearer $TOKEN" | python3 -c 'import sys,json; print([u["id"] for u in json.load(sys.stdin)["items"] if u["username"]=="bench_target"][0])')
patch_lua "$TOKEN" > "$WORK/patch.lua"

for r in $(seq 1 "$RUNS"); do
    hello=$(wrk_rate -t2 -c64 -d${CAP_SECONDS}s http://127.0.0.1:18081/hello)
    read=$(wrk_rate -t2 -c64 -d${CAP_SECONDS}s -H "authorization: Bearer $TOKEN" http://127.0.0.1:18080/api/v1/users/$TARGET)
    emit auth_read "$r" "\"hello_rps\":$hello,\"read_rps\":$read,\"ratio\":$(python3 -c "print(round($read/$hello,3))")"
done

for r in $(seq 1 "$RUNS"); do
    base=$($BIN loadgen commits --count 2000)
    http=$(wrk_rate -t2 -c64 -d${CAP_SECONDS}s -s "$WORK/patch.lua" http://127.0.0.1:18080/api/v1/users/$TARGET)
    one=$(echo "$base" | python3 -c 'import sys,json; print(json.load(sys.stdin)["one_by_one_full_per_s"])')
    emit durable_writes "$r" "\"one_by_one_full_per_s\":$one,\"http_writes_per_s\":$http,\"ratio\":$(python3 -c "print(round($http/$one,2))"),\"in_process\":$base"
done

# ---- write latency at a fixed rate, server and load tool on separate cores ----
kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; PIDS=()
serve "$S" 18080 1
TOKEN=$(login http://127.0.0.1:18080 bench_admin)
lat_run() { # $1 seconds, $2 label, $3 run
    local wal_max=0 out
    ( while sleep 1; do stat -c %s "$WORK/sqlite/yiwang.db-wal" 2>/dev/null; done ) > "$WORK/wal.$2.$3" & local sampler=$!
    out=$(taskset -c 0 $BIN loadgen run --url http://127.0.0.1:18080/api/v1/users/$TARGET --method PATCH \
        --body '{"display_name":"lat {n}"}' --token "$TOKEN" --rate "$RATE" --duration "$1" --connections 64)
    kill $sampler; wal_max=$(sort -n "$WORK/wal.$2.$3" | tail -n 1)
    emit "$2" "$3" "\"rate_target\":$RATE,\"wal_max_bytes\":${wal_max:-0},\"result\":$out"
}
for r in $(seq 1 "$RUNS"); do lat_run "$LAT_SECONDS" write_latency "$r"; done
[ "$SOAK_SECONDS" -gt 0 ] && lat_run "$SOAK_SECONDS" write_soak 1
kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; PIDS=()

# ---- PostgreSQL: writes with audit and event against pgbench simple-update, 4 clients ----
if pg_isready -h 127.0.0.1 -q; then
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS yiwang_bench" -c "DROP DATABASE IF EXISTS yiwang_pgbench" \
        -c "CREATE DATABASE yiwang_bench" -c "CREATE DATABASE yiwang_pgbench" >/dev/null
    pgbench -q -i -s 10 "$PG/yiwang_pgbench" >/dev/null 2>&1
    P="--data $WORK/pg --database-url $PG/yiwang_bench"
    seed "$P"
    serve "$P" 18082 ""
    PTOKEN=$(login http://127.0.0.1:18082 bench_admin)
    PTARGET=$(curl -sf http://127.0.0.1:18082/api/v1/users -H "authorization: Bearer $PTOKEN" | python3 -c 'import sys,json; print([u["id"] for u in json.load(sys.stdin)["items"] if u["username"]=="bench_target"][0])')
    patch_lua "$PTOKEN" > "$WORK/patch-pg.lua"
    for r in $(seq 1 "$RUNS"); do
        tps=$(pgbench -N -c 4 -j 2 -T "$CAP_SECONDS" "$PG/yiwang_pgbench" 2>/dev/null | awk '/^tps/ {print $3; exit}')
        http=$(wrk_rate -t2 -c4 -d${CAP_SECONDS}s -s "$WORK/patch-pg.lua" http://127.0.0.1:18082/api/v1/users/$PTARGET)
        emit pg_writes "$r" "\"pgbench_simple_update_tps\":$tps,\"http_writes_per_s\":$http,\"ratio\":$(python3 -c "print(round($http/$tps,3))")"
    done
    kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; PIDS=()
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS yiwang_bench WITH (FORCE)" -c "DROP DATABASE IF EXISTS yiwang_pgbench WITH (FORCE)" >/dev/null
fi
