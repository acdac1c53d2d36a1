#!/usr/bin/env bash
# PostgreSQL writes (issue #2): PATCH of a user over CONNS connections (default 4) for SECS
# seconds (default 5) against pgbench -N with 4 clients in the same run; one binary, one JSON
# line. Needs PostgreSQL on 127.0.0.1 and pgbench's tables in database yiwang_pgb:
#   createdb -h 127.0.0.1 -U postgres yiwang_pgb && pgbench -q -i -s 10 postgres://postgres@127.0.0.1:5432/yiwang_pgb
#   for i in 1 2 3; do CONNS=1 bash ops/bench/pg_writes.sh NEW 18904; CONNS=1 bash ops/bench/pg_writes.sh OLD 18905; done
set -euo pipefail
BIN=$1; PORT=$2; SECS=${SECS:-5}
PG=postgres://postgres@127.0.0.1:5432
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS yw_b WITH (FORCE)" -c "CREATE DATABASE yw_b" >/dev/null
D=$(mktemp -d /tmp/pgw.XXXX)
P="--data $D --database-url $PG/yw_b"
echo bench-password | $BIN $P user add bench_admin --role admin --password-stdin >/dev/null 2>&1
YIWANG_LOG__FILTER=warn $BIN $P serve --listen 127.0.0.1:$PORT >/dev/null 2>&1 & pid=$!
for _ in $(seq 1 200); do curl -sf http://127.0.0.1:$PORT/readyz >/dev/null && break; sleep 0.05; done
T=$(curl -sf http://127.0.0.1:$PORT/api/v1/auth/login -H 'content-type: application/json' -d '{"username":"bench_admin","password":"bench-password"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])')
TID=$(curl -sf http://127.0.0.1:$PORT/api/v1/users -H "authorization: Bearer $T" -H 'content-type: application/json' -d '{"username":"bench_target","display_name":"t","password":"target-password-1","region_id":1}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["id"])')
cat > $D/patch.lua <<LUA
wrk.method = "PATCH"
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = "Bearer $T"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"display_name":"bench ' .. n .. '"}')
end
LUA
tps=$(pgbench -N -c 4 -j 2 -T $SECS "$PG/yiwang_pgb" 2>/dev/null | awk '/^tps/ {print $3; exit}')
http=$(wrk -t1 -c${CONNS:-4} -d${SECS}s -s $D/patch.lua http://127.0.0.1:$PORT/api/v1/users/$TID | awk '/Requests\/sec/ {print $2}')
echo "{\"bin\":\"$BIN\",\"pgbench_tps\":$tps,\"http_writes_per_s\":$http,\"ratio\":$(python3 -c "print(round($http/$tps,3))")}"
kill $pid; wait $pid 2>/dev/null || true; rm -rf $D
