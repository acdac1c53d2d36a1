#!/usr/bin/env bash
# Portal benchmarks (issue #8, R-2.4): the read-heavy catalogue views — the storefront's first
# page, a filtered storefront page, one item's guide, and the guide revalidated with its ETag
# (304) — against a bare actix-web "hello" in the same run, on SQLite, closed loop (wrk), both
# unpinned on loopback. The portal's agent account reads with its token, as the portal server
# does. Results go to stdout as JSON lines.
#   RUNS=3 CAP_SECONDS=10 ITEMS=500 bash ops/bench/portal.sh | tee bench.out
set -euo pipefail
cd "$(dirname "$0")/../.."
. ops/bench/lib.sh
RUNS=${RUNS:-3}
CAP_SECONDS=${CAP_SECONDS:-10}
ITEMS=${ITEMS:-500}
BIN=${BIN:-./target/release/yiwang}
[ -x "$BIN" ] || cargo build --release
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/yiwang-portal-bench.XXXXXX)
# Requests per second and the median latency in ms.
wrk_run() { wrk --latency "$@" | awk '/Requests\/sec/ {rps=$2} /^ +50%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; p50=v} END {print rps, p50}'; }
echo "# $(date -u +%FT%TZ) $(nproc) cores; runs=$RUNS items=$ITEMS" >&2

S="--data $WORK/sqlite"
echo bench-password | $BIN $S user add bench_admin --role admin --password-stdin >/dev/null
echo bench-password | $BIN $S user add bench_portal --role portal --password-stdin >/dev/null
YIWANG_LOG__FILTER=warn $BIN $S serve --listen 127.0.0.1:18380 >/dev/null 2>"$WORK/serve.log" & PIDS+=($!)
wait_port http://127.0.0.1:18380/readyz
$BIN loadgen hello --listen 127.0.0.1:18381 >/dev/null 2>&1 & PIDS+=($!)
wait_port http://127.0.0.1:18381/hello
ADMIN=$(login http://127.0.0.1:18380 bench_admin)
PORTAL=$(login http://127.0.0.1:18380 bench_portal)

# A catalogue of ITEMS published items in 5 departments and 10 themes, a hall whose windows
# serve all of them (setup only: no load).
GUIDE_ITEM=$(python3 - "$ADMIN" "$ITEMS" <<'PY'
import json, sys, urllib.request
token, n = sys.argv[1], int(sys.argv[2])
base = "http://127.0.0.1:18380/api/v1"
def call(method, path, body=None):
    req = urllib.request.Request(base + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"authorization": "Bearer " + token, "content-type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
root = call("GET", "/regions")["items"][0]["id"]
deps = [call("POST", "/departments", {"region_id": root, "code": f"D{i}", "name": f"部门{i}"})["id"]
        for i in range(5)]
hall = call("POST", "/halls", {"region_id": root, "name": "市民服务中心", "address": "人民路1号"})["id"]
area = call("POST", f"/halls/{hall}/areas", {"prefix": "A", "name": "综合区"})["id"]
windows = [call("POST", f"/halls/{hall}/windows", {"area_id": area, "number": str(w), "name": f"{w}号窗口"})["id"]
           for w in range(1, 6)]
codes, ids = [], []
for i in range(n):
    code = f"BENCH-{i:05d}"
    content = {
        "item_code": code, "name": f"示范事项{i}", "item_type": "licensing",
        "legal_basis": "《示范条例》第十条", "legal_limit_days": 20, "promised_limit_days": 10,
        "fee": {"kind": "none"},
        "materials": [{"name": "身份证明", "required": True}, {"name": "申请表", "required": True}],
        "workflow": [{"name": "审查", "role": "reviewer", "limit_days": 3},
                     {"name": "决定", "role": "approver", "limit_days": 2}],
        "online": True, "delivery_modes": ["window", "courier"],
        "extensions": {"theme": f"主题{i % 10}"},
    }
    item = call("POST", "/catalogue/items", {"region_id": root, "department_id": deps[i % 5], "content": content})["id"]
    call("POST", f"/catalogue/items/{item}/publish", {})
    codes.append(code); ids.append(item)
for w in windows:
    call("PUT", f"/windows/{w}/items", {"item_codes": codes[:100]})
print(ids[0])
PY
)
H="authorization: Bearer $PORTAL"
FRONT=http://127.0.0.1:18380/api/v1/portal/storefront
GUIDE=http://127.0.0.1:18380/api/v1/portal/items/$GUIDE_ITEM/guide
THEME="$FRONT?theme=%E4%B8%BB%E9%A2%983&limit=20"
ETAG=$(curl -sf -D - -o /dev/null "$GUIDE" -H "$H" | awk 'tolower($1)=="etag:" {sub(/\r/,""); print $2}')

for r in $(seq 1 "$RUNS"); do
    read hello hello_p50 < <(wrk_run -t2 -c64 -d${CAP_SECONDS}s http://127.0.0.1:18381/hello)
    read front front_p50 < <(wrk_run -t2 -c64 -d${CAP_SECONDS}s -H "$H" "$FRONT?limit=20")
    read theme theme_p50 < <(wrk_run -t2 -c64 -d${CAP_SECONDS}s -H "$H" "$THEME")
    read guide guide_p50 < <(wrk_run -t2 -c64 -d${CAP_SECONDS}s -H "$H" "$GUIDE")
    read again again_p50 < <(wrk_run -t2 -c64 -d${CAP_SECONDS}s -H "$H" -H "If-None-Match: $ETAG" "$GUIDE")
    ratio() { python3 -c "print(round($1/$hello,3))"; }
    emit portal_catalogue "$r" "\"hello_rps\":$hello,\"hello_p50_ms\":$hello_p50,\"storefront_rps\":$front,\"storefront_p50_ms\":$front_p50,\"storefront_ratio\":$(ratio "$front"),\"theme_rps\":$theme,\"theme_p50_ms\":$theme_p50,\"theme_ratio\":$(ratio "$theme"),\"guide_rps\":$guide,\"guide_p50_ms\":$guide_p50,\"guide_ratio\":$(ratio "$guide"),\"guide_304_rps\":$again,\"guide_304_p50_ms\":$again_p50,\"guide_304_ratio\":$(ratio "$again")"
done
