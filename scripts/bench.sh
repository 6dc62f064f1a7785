#!/usr/bin/env bash
# Benchmarks the release Worker under `wrangler dev` with wrk and prints a markdown table:
# req/s, p50 and p99 for GET /healthz, POST /v1/sessions (a valid login), GET /v1/me,
# GET /v1/workspaces/{ws}/apps (50 apps) and GET /v1/apps/{app}, each
# route's throughput as a ratio to /healthz from the same run, and the wasm size raw and gzipped.
#
#   scripts/bench.sh            (or: make bench)
#
# Environment: BENCH_DURATION (default 10s), BENCH_CONNECTIONS (8), BENCH_THREADS (2),
#              BENCH_RECORD=1 also writes the result into BENCHMARKS.md (between the
#              "bench:start" and "bench:end" markers).
# Every run uses free ports, a fresh temporary state folder and fresh secrets; the account it
# logs in with is created through the public API (signup, code from /dev/mailbox, verify).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

duration="${BENCH_DURATION:-10s}"
connections="${BENCH_CONNECTIONS:-8}"
threads="${BENCH_THREADS:-2}"

scripts/install-tools.sh --bench
make --no-print-directory worker

tmp="$(mktemp -d "${TMPDIR:-/tmp}/devcenter-bench.XXXXXX")"
WRANGLER_PID=""
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    stop_pgroup "$WRANGLER_PID"
    rm -rf "$tmp"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port="$(free_ports 1)"
base="http://127.0.0.1:$port"
scripts/dev-secrets.sh "$tmp/dev.vars" 2>/dev/null
say "applying D1 migrations to a fresh state folder"
apply_migrations "$tmp/state" >"$tmp/migrations.log" 2>&1 || { cat "$tmp/migrations.log" >&2; die "migrations failed"; }
say "starting wrangler dev on $base"
# Per-request log lines cost wrangler's node process time; keep only warnings and errors.
start_wrangler "$tmp/wrangler.log" "$port" "$tmp/state" "$tmp/dev.vars" --log-level warn
if ! wait_http "$base/healthz" 180 "$WRANGLER_PID"; then
    cat "$tmp/wrangler.log" >&2
    die "wrangler dev did not answer /healthz"
fi

# json EXPR: evaluates a JS expression over the JSON document on stdin (bound to v).
json() {
    node -e '
        const v = JSON.parse(require("fs").readFileSync(0, "utf8"));
        const r = new Function("v", "return (" + process.argv[1] + ")")(v);
        console.log(r === undefined || r === null ? "" : r);
    ' "$1"
}
# post PATH JSON: prints the status line's code, body in $tmp/body.
post() {
    curl -sS -o "$tmp/body" -w '%{http_code}' -X POST "$base$1" \
        -H 'content-type: application/json' --data "$2"
}

# --- seed a verified account and a session through the public API ------------------------------
routes=("GET /healthz")
export BENCH_EMAIL="bench-$(openssl rand -hex 4)@devcenter.test"
export BENCH_PASSWORD="bench-$(openssl rand -hex 12)"
export BENCH_TOKEN=""
status="$(post /v1/signup "{\"email\":\"$BENCH_EMAIL\",\"username\":\"bench\",\"password\":\"$BENCH_PASSWORD\",\"accept_terms\":true}")"
if [ "$status" = 202 ]; then
    code="$(curl -sS "$base/dev/mailbox?to=$BENCH_EMAIL" |
        json 'v.messages.find(m => m.template === "signup_verification").data.code')"
    [ -n "$code" ] || die "no signup_verification code in /dev/mailbox for $BENCH_EMAIL"
    status="$(post /v1/signup/verify "{\"email\":\"$BENCH_EMAIL\",\"code\":\"$code\"}")"
    [ "$status" = 201 ] || die "POST /v1/signup/verify answered $status: $(cat "$tmp/body")"
    status="$(post /v1/sessions "{\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\"}")"
    [ "$status" = 201 ] || die "POST /v1/sessions answered $status: $(cat "$tmp/body")"
    BENCH_TOKEN="$(json v.session_token <"$tmp/body")"
    status="$(curl -sS -o /dev/null -w '%{http_code}' -H "authorization: Bearer $BENCH_TOKEN" "$base/v1/me")"
    [ "$status" = 200 ] || die "GET /v1/me answered $status"
    routes+=("POST /v1/sessions" "GET /v1/me")

    # Issue 3: an approved workspace (the operator approves it) with 50 applications.
    auth=(-H "authorization: Bearer $BENCH_TOKEN")
    op_email="operator@devcenter.test"
    post /v1/signup "{\"email\":\"$op_email\",\"username\":\"operator\",\"password\":\"$BENCH_PASSWORD\",\"accept_terms\":true}" >/dev/null
    code="$(curl -sS "$base/dev/mailbox?to=$op_email" |
        json 'v.messages.find(m => m.template === "signup_verification").data.code')"
    status="$(post /v1/signup/verify "{\"email\":\"$op_email\",\"code\":\"$code\"}")"
    [ "$status" = 201 ] || die "operator verify answered $status: $(cat "$tmp/body")"
    op_token="$(json v.session_token <"$tmp/body")"
    status="$(curl -sS -o "$tmp/body" -w '%{http_code}' -X POST "$base/v1/workspaces" "${auth[@]}" \
        -H 'content-type: application/json' \
        --data '{"kind":"isv","company_name":"Bench Co","business_address":"1 Bench Road","country":"SG","business_representative":"B. Ench","accept_terms":true}')"
    [ "$status" = 201 ] || die "POST /v1/workspaces answered $status: $(cat "$tmp/body")"
    export BENCH_WS="$(json v.id <"$tmp/body")"
    status="$(curl -sS -o /dev/null -w '%{http_code}' -X POST "$base/v1/admin/workspaces/$BENCH_WS/approve" \
        -H "authorization: Bearer $op_token")"
    [ "$status" = 200 ] || die "approve answered $status"
    say "creating 50 applications"
    for i in $(seq 1 50); do
        status="$(curl -sS -o "$tmp/body" -w '%{http_code}' -X POST "$base/v1/workspaces/$BENCH_WS/apps" "${auth[@]}" \
            -H 'content-type: application/json' \
            --data "{\"name\":\"Bench app $i\",\"type\":\"online\",\"registration_country\":\"SG\",\"description\":\"bench\",\"products\":[{\"code\":\"cashier_payment\",\"scenarios\":[\"online\",\"app\"]}],\"test_currency\":\"USD\"}")"
        [ "$status" = 201 ] || die "POST /v1/workspaces/$BENCH_WS/apps answered $status: $(cat "$tmp/body")"
    done
    export BENCH_APP="$(json v.id <"$tmp/body")"
    count="$(curl -sS "${auth[@]}" "$base/v1/workspaces/$BENCH_WS/apps" | json 'v.items.length')"
    [ "$count" = 50 ] || die "the app list has $count items, expected 50"
    routes+=("GET /v1/workspaces/{ws}/apps" "GET /v1/apps/{app}")
else
    say "POST /v1/signup answered $status (account routes not there yet?): measuring /healthz only"
fi

# --- measure --------------------------------------------------------------------------------
# Warm up (first requests compile and instantiate the wasm).
for _ in $(seq 1 20); do curl -fsS -o /dev/null "$base/healthz"; done

# run_wrk NAME [wrk args...]: fills rps[NAME] p50[NAME] p99[NAME] bad[NAME]
declare -A rps p50 p99 bad
run_wrk() {
    local name="$1" out
    shift
    say "wrk -t$threads -c$connections -d$duration --latency $name"
    out="$(wrk -t"$threads" -c"$connections" -d"$duration" --latency "$@")"
    printf '%s\n' "$out" >"$tmp/wrk-${name//[^a-z]/_}.txt"
    rps[$name]="$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")"
    p50[$name]="$(awk '$1 == "50%" { print $2 }' <<<"$out")"
    p99[$name]="$(awk '$1 == "99%" { print $2 }' <<<"$out")"
    bad[$name]="$(awk '/Non-2xx or 3xx responses:/ { n = $NF } /^  Socket errors:/ { s = $0 } END { print (n == "" ? 0 : n) (s == "" ? "" : " (" s ")") }' <<<"$out" | sed 's/  Socket errors: /socket errors: /')"
}

run_wrk "GET /healthz" "$base/healthz"
if [ -n "$BENCH_TOKEN" ]; then
    run_wrk "POST /v1/sessions" -s scripts/bench/login.lua "$base/v1/sessions"
    run_wrk "GET /v1/me" -s scripts/bench/get.lua "$base/v1/me"
    run_wrk "GET /v1/workspaces/{ws}/apps" -s scripts/bench/get.lua "$base/v1/workspaces/$BENCH_WS/apps"
    run_wrk "GET /v1/apps/{app}" -s scripts/bench/get.lua "$base/v1/apps/$BENCH_APP"
fi

wasm="$(find build -maxdepth 2 -name '*.wasm' | head -n1)"
wasm_raw="$(wc -c <"$wasm")"
wasm_gz="$(gzip -9 -c "$wasm" | wc -c)"
kib() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }

cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
report="$tmp/report.md"
{
    echo "Run $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)'), $(nproc) cores${cpu:+ ($cpu)}."
    echo "\`wrangler dev\` (local workerd, release build), \`wrk -t$threads -c$connections -d$duration --latency\`."
    echo
    echo "| route | req/s | p50 | p99 | req/s vs /healthz | non-2xx |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    for name in "${routes[@]}"; do
        ratio="$(awk -v a="${rps[$name]}" -v b="${rps["GET /healthz"]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
        echo "| \`$name\` | ${rps[$name]} | ${p50[$name]} | ${p99[$name]} | ${ratio}x | ${bad[$name]} |"
    done
    echo
    echo "wasm \`$wasm\`: $wasm_raw bytes raw ($(kib "$wasm_raw")), $wasm_gz bytes gzip -9 ($(kib "$wasm_gz"))."
} >"$report"

echo
cat "$report"
if [ "${BENCH_RECORD:-0}" = 1 ]; then
    if grep -q '<!-- bench:start -->' BENCHMARKS.md 2>/dev/null; then
        awk -v f="$report" '
            /<!-- bench:start -->/ { print; while ((getline l < f) > 0) print l; skip = 1; next }
            /<!-- bench:end -->/ { skip = 0 }
            !skip { print }
        ' BENCHMARKS.md >"$tmp/BENCHMARKS.md"
        cat "$tmp/BENCHMARKS.md" >BENCHMARKS.md
        say "recorded in BENCHMARKS.md"
    else
        say "BENCHMARKS.md has no <!-- bench:start --> marker; not recorded"
    fi
fi
