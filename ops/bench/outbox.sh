#!/usr/bin/env bash
# The outbox (issue #6): one connector delivering N events to a healthy local peer, in process
# on a fresh SQLite database (or PostgreSQL with PG=postgres://…/fresh_db). Target: 1,000
# events/s. Unpinned (a throughput figure). Results go to stdout as JSON lines.
#   RUNS=3 EVENTS=20000 IN_FLIGHT=32 bash ops/bench/outbox.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
EVENTS=${EVENTS:-20000}
IN_FLIGHT=${IN_FLIGHT:-32}
BIN=${BIN:-./target/release/yiwang}
[ -x "$BIN" ] || cargo build --release
echo "# $(date -u +%FT%TZ) $(nproc) cores; runs=$RUNS events=$EVENTS in_flight=$IN_FLIGHT" >&2
for run in $(seq 1 "$RUNS"); do
    YIWANG_LOG__FILTER=warn $BIN loadgen outbox --events "$EVENTS" --in-flight "$IN_FLIGHT" \
        ${PG:+--pg "$PG"} | sed "s/^{/{\"run\":$run,/"
done
