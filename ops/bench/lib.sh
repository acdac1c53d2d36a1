# Shared by the benchmark scripts (sourced after they `cd` to the workspace): the server
# processes they start (PIDS) are killed and their scratch folder (WORK) removed on exit.
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "${WORK:?}"; }
trap cleanup EXIT
# Waits up to 20 s for a URL to answer 2xx.
wait_port() { for _ in $(seq 1 2000); do curl -sf "$1" >/dev/null && return 0; sleep 0.01; done; echo "no answer from $1" >&2; return 1; }
# A bench user's token (every bench user's password is bench-password).
login() { curl -sf "$1/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$2\",\"password\":\"bench-password\"}" | python3 -c 'import sys,json; print(json.load(sys.stdin)["token"])'; }
# A wrk script that PATCHes a user's display name with a new value each request (token $1).
patch_lua() { cat <<LUA
wrk.method = "PATCH"
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = "Bearer $1"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"display_name":"bench ' .. n .. '"}')
end
LUA
}
# One JSON line of results: bench name, run number, fields.
emit() { echo "{\"bench\":\"$1\",\"run\":$2,$3}"; }
# A case store in folder $1 ($BIN, port $2): one real case per department ($3 departments)
# through the API, then copied to $4 cases with open share $5 (server stopped). Emits the
# clone's line; the setup's JSON (departments, items) is left in $WORK/setup.json.
case_store() {
    local data="--data $1" server="http://127.0.0.1:$2" pid token
    echo bench-password | $BIN $data user add bench_admin --role admin --password-stdin >/dev/null
    YIWANG_LOG__FILTER=warn $BIN $data serve --listen "127.0.0.1:$2" >/dev/null 2>"$WORK/setup.log" & pid=$!; PIDS+=($pid)
    wait_port "$server/readyz"
    token=$(login "$server" bench_admin)
    $BIN loadgen case-setup --server "$server" --token "$token" --departments "$3" >"$WORK/setup.json"
    kill $pid; wait $pid 2>/dev/null || true; PIDS=()
    emit clone 0 "\"result\":$($BIN $data loadgen clone-cases --cases "$4" --open-share "$5")"
}
# A hall with one window (setup only: no load) on server $1 with token $2: writes the wrk script
# that takes a ticket there to $WORK/take.lua and prints the take-ticket URL.
take_setup() {
    local setup body
    setup=$($BIN loadgen queue --server "$1" --token "$2" --windows 1 \
        --take-rate 0 --call-rate 0 --prefill 0 --duration 1)
    body=$(echo "$setup" | python3 -c 'import sys,json; print(json.load(sys.stdin)["take_ticket_body"])')
    cat > "$WORK/take.lua" <<LUA
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = "Bearer $2"
wrk.body = '$body'
LUA
    echo "$setup" | python3 -c 'import sys,json; print(json.load(sys.stdin)["take_ticket_url"])'
}
