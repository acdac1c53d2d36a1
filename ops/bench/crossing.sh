#!/usr/bin/env bash
# A threshold crossing becomes a card and an event within 1 s (issue #5). CASES open cases on
# SQLite, in review, accepted evenly over the past SPREAD calendar days; then
# `yiwang loadgen crossing` runs the supervision jobs in process and moves their clock to each
# of the next DAYS local midnights, where the cases that reach a yellow or red threshold that
# day cross together. Per midnight: cards opened, and the time from the clock passing midnight
# to the first and the last `anomaly.opened` event reaching an event subscriber.
#   CASES=100000 SPREAD=30 DAYS=7 bash ops/bench/crossing.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
. ops/bench/lib.sh
CASES=${CASES:-100000}
SPREAD=${SPREAD:-30}
DAYS=${DAYS:-7}
DEPARTMENTS=${DEPARTMENTS:-20}
BIN=${BIN:-./target/release/yiwang}
[ -x "$BIN" ] || cargo build --release

WORK=$(mktemp -d /tmp/yiwang-crossing-bench.XXXXXX)
echo "# $(date -u +%FT%TZ) $(nproc) cores; open cases=$CASES spread=$SPREAD days" >&2

case_store "$WORK/data" 18391 "$DEPARTMENTS" "$CASES" 1.0
python3 - "$WORK/data/yiwang.db" "$SPREAD" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
now = int(time.time() * 1000)
day = 86_400_000
db.execute("UPDATE cases SET status = 'in_review', accepted_at = ? - (id % ?) * ?,"
           " step_started_at = ? - (id % ?) * ?",
           (now, int(sys.argv[2]), day, now, int(sys.argv[2]), day))
db.commit()
PY
YIWANG_LOG__FILTER=${LOG_FILTER:-warn} $BIN --data "$WORK/data" loadgen crossing --days "$DAYS"
