#!/usr/bin/env bash
# Case transitions (issue #3): suspend and resume through the API (wrk -t2, CONNECTIONS) against
# the same commands in process through the writer (as many tasks), in one server process on a
# fresh SQLite folder per run; ROUNDS rounds of SIDE_SECONDS a side, unpinned. Needs wrk.
#   RUNS=3 CASES=2000 ROUNDS=5 SIDE_SECONDS=3 CONNECTIONS=64 bash ops/bench/transitions.sh | tee bench.out
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
CASES=${CASES:-2000}
ROUNDS=${ROUNDS:-5}
SIDE_SECONDS=${SIDE_SECONDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
BIN=${BIN:-./target/release/yiwang}
[ -x "$BIN" ] || cargo build --release
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
echo "# $(date -u +%FT%TZ) $(nproc) cores; runs=$RUNS" >&2
for r in $(seq 1 "$RUNS"); do
    out=$(YIWANG_LOG__FILTER=warn $BIN loadgen transitions --cases "$CASES" --rounds "$ROUNDS" --seconds "$SIDE_SECONDS" --connections "$CONNECTIONS")
    echo "{\"bench\":\"case_transitions\",\"run\":$r,\"result\":$out}"
done
