#!/usr/bin/env bash
# PostgreSQL writes (issue #2): PATCH of a user over CONNS connections (default 4) for SECS
# seconds (default 5) against pgbench -N with 4 clients in the same run; one binary, one JSON
# line. Needs PostgreSQL on 127.0.0.1 and pgbench's tables in database yiwang_pgb:
#   createdb -h 127.0.0.1 -U postgres yiwang_pgb && pgbench -q -i -s 10 postgres://postgres@127.0.0.1:5432/yiwang_pgb
#   for i in 1 2 3; do CONNS=1 bash ops/bench/pg_writes.sh NEW 18904; CONNS=1 bash ops/bench/pg_writes.sh OLD 18905; done
set -euo pipefail
BIN=$(realpath "$1"); PORT=$2; SECS=${SECS:-5}
cd "$(dirname "$0")/../.."
WORK=$(mktemp -d /tmp/pgw.XXXX)
. ops/bench/lib.sh
PG=postgres://postgres@127.0.0.1:5432
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS yw_b WITH (FORCE)" -c "CREATE DATABASE yw_b" >/dev/null
P="--data $WORK --database-url $PG/yw_b"
SERVER=http://127.0.0.1:$PORT
echo bench-password | $BIN $P user add bench_admin --role admin --password-stdin >/dev/null 2>&1
YIWANG_LOG__FILTER=warn $BIN $P serve --listen 127.0.0.1:$PORT >/dev/null 2>&1 & PIDS+=($!)
wait_port $SERVER/readyz
T=$(login $SERVER bench_admin)
TID=$(curl -sf $SERVER/api/v1/users -H "authorization: Bearer $T" -H 'content-type: application/json' -d '{"username":"bench_target","display_name":"t","password":"target-password-1","region_id":1}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])')
patch_lua "$T" > $WORK/patch.lua
tps=$(pgbench -N -c 4 -j 2 -T $SECS "$PG/yiwang_pgb" 2>/dev/null | awk '/^tps/ {print $3; exit}')
http=$(wrk -t1 -c${CONNS:-4} -d${SECS}s -s $WORK/patch.lua $SERVER/api/v1/users/$TID | awk '/Requests\/sec/ {print $2}')
echo "{\"bin\":\"$BIN\",\"pgbench_tps\":$tps,\"http_writes_per_s\":$http,\"ratio\":$(python3 -c "print(round($http/$tps,3))")}"
