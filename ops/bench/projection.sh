#!/usr/bin/env bash
# The supervision projection at start (issue #5) with CASES open cases on SQLite. The first
# start finds no snapshot: it rebuilds the projection from every open case, judges them all and
# stores the snapshot. Every later start reads the snapshot back and replays the events since.
# Per start: `yiwang serve` launched -> the supervision job's first run done (from /metrics),
# the engine's own log lines of that run (read, judged, stored; snapshot chunks written) and the
# resident memory after it. Every case is in review, accepted today, and LATE of them 60 days
# earlier, so the rebuild finds those past their limits and stores their cards (the findings).
#   RUNS=3 CASES=1000000 LATE=5000 DEPARTMENTS=20 bash ops/bench/projection.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. ops/bench/lib.sh
RUNS=${RUNS:-3}
CASES=${CASES:-1000000}
LATE=${LATE:-5000}
DEPARTMENTS=${DEPARTMENTS:-20}
BIN=${BIN:-./target/release/yiwang}
[ -x "$BIN" ] || cargo build --release

WORK=$(mktemp -d /tmp/yiwang-projection-bench.XXXXXX)
SERVER=http://127.0.0.1:18381
D="--data $WORK/data"
echo "# $(date -u +%FT%TZ) $(nproc) cores; runs=$RUNS open cases=$CASES" >&2

# ---- the store: one real case per department through the API, then copied, all open ----
case_store "$WORK/data" 18381 "$DEPARTMENTS" "$CASES" 1.0
python3 - "$WORK/data/yiwang.db" "$LATE" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
# Every copy in review, accepted when the originals were filed (today); LATE of them 60 days
# earlier, past every limit.
now = db.execute("SELECT MAX(submitted_at) FROM cases").fetchone()[0]
db.execute("UPDATE cases SET status = 'in_review', accepted_at = ?, step_started_at = ?", (now, now))
back = 60 * 86_400_000
db.execute("UPDATE cases SET accepted_at = accepted_at - ?, step_started_at = step_started_at - ?"
           " WHERE id IN (SELECT id FROM cases ORDER BY id LIMIT ?)", (back, back, int(sys.argv[2])))
db.commit()
PY

# ---- run 0 rebuilds (no snapshot yet); runs 1..RUNS read the snapshot back ----
for r in $(seq 0 "$RUNS"); do
    log="$WORK/serve$r.log"
    t0=$(date +%s.%N)
    YIWANG_LOG__FILTER="warn,yiwang_core::service::jobs=debug,yiwang_core::service::supervision=debug" \
        YIWANG_LOG__FORMAT=json \
        $BIN $D serve --listen 127.0.0.1:18381 >/dev/null 2>"$log" & pid=$!; PIDS+=($pid)
    wait_port $SERVER/readyz; t1=$(date +%s.%N)
    for _ in $(seq 1 12000); do
        curl -sf $SERVER/metrics | grep -q '^yiwang_job_runs{job="supervision"} [1-9]' && break; sleep 0.01
    done
    t2=$(date +%s.%N)
    rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
    engine=$(python3 - "$log" <<'PY'
import json, sys
out = {}
for line in open(sys.argv[1]):
    try:
        f = json.loads(line).get("fields", {})
    except ValueError:
        continue
    m = f.pop("message", "")
    if m.startswith("supervision projection") or m in ("supervision snapshot stored", "supervision cards stored"):
        out.setdefault(m, f)
    elif m == "job done" and f.get("job") == "supervision":
        out.setdefault("first run", f.get("outcome"))
print(json.dumps(out, ensure_ascii=False))
PY
)
    emit start "$r" "\"ready_ms\":$(python3 -c "print(round(($t1-$t0)*1000))"),\"engine_loaded_ms\":$(python3 -c "print(round(($t2-$t0)*1000))"),\"rss_kb\":$rss,\"engine\":$engine"
    kill $pid; wait $pid 2>/dev/null || true; PIDS=()
done
