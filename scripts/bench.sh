#!/usr/bin/env bash
# Benchmarks the release Worker under `wrangler dev` with wrk, next to the floor Worker
# (bench/floor: a trivial workers-rs Worker built with the same pinned crate, tools and
# profile), and prints a markdown table: req/s, p50 and p99 of every route, and each route's
# throughput as a ratio to the floor of its own kind (no-storage routes to the floor's /ping,
# one-D1-round-trip routes to the floor's D1 read; the floor's KV read is printed too). Routes
# are measured in rounds, every route of every Worker once per round in an interleaved order
# (A B A B ...), so the machine's noise hits both sides alike; the table shows the medians.
# Also prints the size of both wasm files, raw and gzip -9.
# The sandbox gateway (issue 9) is measured with signed requests pre-signed just before each run
# (scripts/bench/gateway.py, sent by scripts/bench/gateway.lua): inquiryPayment and pay (one-use
# paymentRequestIds), plus refusals that stop earlier, from which the report derives the cost of
# one response signature and one RS256 verification. Every gateway answer is checked (result
# code, signature header); the bench fails if one is not what is measured.
# Authorization (issue 10; scripts/bench/oauth.py) gets an application ready for it (required
# sandbox acceptance cases passed through the signed gateway, a production key, a redirect URI)
# with acqp grantor workspaces (approved, with a contract) whose Owner signs in through /login.
# POST /oauth/introspect is measured with wrk (scripts/bench/oauth.lua) with client assertions
# made just before each run (a jti is single-use): the active Agent-Token, and an unknown client
# (the same batch, no RSA verification). POST /oauth/token needs a fresh code per exchange, and a
# code a consent of its own in its own grantor workspace (a consent rotates its authorization's
# token, and a code only hands out the token it was issued with), so it is not a wrk run: each
# round makes BENCH_EXCHANGES consents, then times as many exchanges of each kind (successful,
# wrong-key assertion, unknown client) one at a time, and reports mean, p50 and p90 latencies
# and their differences (the RS256 verification; the redeem batch). Every answer is checked
# (status and body); the bench fails if one is not what is measured.
#
#   scripts/bench.sh            (or: make bench)
#
# Environment: BENCH_DURATION (per wrk run, default 5s), BENCH_ROUNDS (5),
#              BENCH_CONNECTIONS (8), BENCH_THREADS (1),
#              BENCH_PAY_COUNT (pay requests signed per run; default 600 per second of duration),
#              BENCH_ASSERTION_COUNT (introspection assertions made per run; default BENCH_PAY_COUNT),
#              BENCH_EXCHANGES (timed token exchanges of each kind per round, 100; as many grantor
#              workspaces are made once),
#              BENCH_AGAINST=DIR also serves the Worker built in another checkout DIR (its
#              build/ must be current: run `make worker` there) and measures its routes in the
#              same rounds, e.g. to compare a Cargo profile change side by side,
#              BENCH_RECORD=1 also writes the result into BENCHMARKS.md (between the
#              "bench:start" and "bench:end" markers).
# Every run uses free ports, fresh temporary state folders and fresh secrets; the account it
# logs in with is created through the public API (signup with the emailed code from
# /dev/mailbox, then login). It speaks both signup flows: POST /v1/signup/code, then
# POST /v1/signup with the code (issue 6), or, where /v1/signup/code does not exist yet,
# POST /v1/signup, then POST /v1/signup/verify. The OAuth part signs up two more accounts the
# same way (a developer with a workspace of its own, so the measured /v1/me and app list stay
# as they were, and a grantor); the operator is OPERATOR_EMAILS of wrangler.toml's dev vars.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

duration="${BENCH_DURATION:-5s}"
rounds="${BENCH_ROUNDS:-5}"
connections="${BENCH_CONNECTIONS:-8}"
threads="${BENCH_THREADS:-1}"
against="${BENCH_AGAINST:-}"
exchanges="${BENCH_EXCHANGES:-100}"
if [ -n "$against" ]; then
    against="$(cd "$against" && pwd)" || die "BENCH_AGAINST=$BENCH_AGAINST is not a folder"
    [ -f "$against/build/worker/shim.mjs" ] || die "$against has no built Worker: run 'make worker' there"
fi

scripts/install-tools.sh --bench
make --no-print-directory worker bench-floor

tmp="$(mktemp -d "${TMPDIR:-/tmp}/devcenter-bench.XXXXXX")"
pids=()
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    local pid
    for pid in "${pids[@]}"; do stop_pgroup "$pid"; done
    rm -rf "$tmp"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

load_before="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"

# --- serve the Workers ----------------------------------------------------------------------
# serve NAME CONFIG_DIR: starts `wrangler dev` for the wrangler.toml in CONFIG_DIR with a fresh
# state folder (migrations applied if the config has a migrations_dir) and secrets, and sets
# base[NAME]. Waits for all of them in wait_served.
declare -A base log wpid
serve() {
    local name="$1" dir="$2" port state="$tmp/$1/state"
    mkdir -p "$tmp/$name"
    port="$(free_ports 1)"
    base[$name]="http://127.0.0.1:$port"
    log[$name]="$tmp/$name/wrangler.log"
    if grep -q '^migrations_dir' "$dir/wrangler.toml"; then
        scripts/dev-secrets.sh "$tmp/$name/dev.vars" 2>/dev/null
        # The gateway's per-client rate limit (default 100 calls per 10 s) would otherwise be
        # what the gateway routes measure.
        echo "GATEWAY_RATE_LIMIT=100000000" >>"$tmp/$name/dev.vars"
        say "$name: applying D1 migrations to a fresh state folder"
        (cd "$dir" && "$WRANGLER" d1 migrations apply DB --local --persist-to "$state") \
            >"$tmp/$name/migrations.log" 2>&1 ||
            { cat "$tmp/$name/migrations.log" >&2; die "$name: migrations failed"; }
    else
        : >"$tmp/$name/dev.vars"
    fi
    say "$name: starting wrangler dev on ${base[$name]}"
    # Per-request log lines cost wrangler's node process time; keep only warnings and errors.
    start_wrangler "${log[$name]}" "$port" "$state" "$tmp/$name/dev.vars" \
        --config "$dir/wrangler.toml" --log-level warn
    pids+=("$WRANGLER_PID")
    wpid[$name]="$WRANGLER_PID"
}
wait_served() {
    local name probe
    for name in "$@"; do
        probe=/healthz
        [ "$name" = floor ] && probe=/ping
        if ! wait_http "${base[$name]}$probe" 180 "${wpid[$name]}"; then
            cat "${log[$name]}" >&2
            die "$name: wrangler dev did not answer $probe"
        fi
    done
    # wrangler's file watcher may report one spurious "changed, restarting build" after start;
    # a reload in the middle of a wrk run would cut requests. Wait (20 s at most) until every
    # wrangler that reported one is Ready after it.
    local deadline=$((SECONDS + 20)) settled change ready
    while [ "$SECONDS" -lt "$deadline" ]; do
        settled=1
        for name in "$@"; do
            change="$(grep -n 'changed, restarting build' "${log[$name]}" | tail -n1 | cut -d: -f1 || true)"
            ready="$(grep -n 'Ready on' "${log[$name]}" | tail -n1 | cut -d: -f1 || true)"
            if [ -z "$change" ] || [ -z "$ready" ] || [ "$ready" -lt "$change" ]; then settled=0; fi
        done
        [ "$settled" = 1 ] && break
        sleep 0.5
    done
}

workers=(floor devcenter)
# The floor's one KV read finds a value.
"$WRANGLER" kv key put floor pong --binding KV --local --persist-to "$tmp/floor/state" \
    --config bench/floor/wrangler.toml >"$tmp/floor-kv.log" 2>&1 ||
    { cat "$tmp/floor-kv.log" >&2; die "floor: kv key put failed"; }
serve floor "$REPO_ROOT/bench/floor"
serve devcenter "$REPO_ROOT"
if [ -n "$against" ]; then
    workers+=(against)
    serve against "$against"
fi
wait_served "${workers[@]}"

# --- seed accounts, a workspace and 50 applications through the public API ------------------
# json EXPR: evaluates a JS expression over the JSON document on stdin (bound to v).
json() {
    node -e '
        const v = JSON.parse(require("fs").readFileSync(0, "utf8"));
        const r = new Function("v", "return (" + process.argv[1] + ")")(v);
        console.log(r === undefined || r === null ? "" : r);
    ' "$1"
}
# post BASE PATH JSON [curl args...]: prints the status code, body in $tmp/body.
post() {
    local url="$1$2" data="$3"
    shift 3
    curl -sS -o "$tmp/body" -w '%{http_code}' -X POST "$url" \
        -H 'content-type: application/json' --data "$data" "$@"
}
# mailbox_code BASE EMAIL: the code of the newest signup_verification email to EMAIL.
mailbox_code() {
    curl -sS "$1/dev/mailbox?to=$2" |
        json 'v.messages.find(m => m.template === "signup_verification")?.data?.code'
}
# signup BASE EMAIL USERNAME PASSWORD: creates an active account; prints its session token.
signup() {
    local b="$1" email="$2" user="$3" password="$4" status code
    status="$(post "$b" /v1/signup/code "{\"email\":\"$email\"}")"
    if [ "$status" = 202 ]; then
        # Issue 6's flow: the code first, then the account with it.
        code="$(mailbox_code "$b" "$email")"
        [ -n "$code" ] || die "no signup_verification code in /dev/mailbox for $email"
        status="$(post "$b" /v1/signup "{\"email\":\"$email\",\"code\":\"$code\",\"username\":\"$user\",\"password\":\"$password\",\"accept_terms\":true}")"
        [ "$status" = 201 ] || die "POST /v1/signup answered $status: $(cat "$tmp/body")"
    elif [ "$status" = 404 ] || [ "$status" = 405 ]; then
        # The flow before issue 6: the account first, then the emailed code verifies it.
        status="$(post "$b" /v1/signup "{\"email\":\"$email\",\"username\":\"$user\",\"password\":\"$password\",\"accept_terms\":true}")"
        [ "$status" = 202 ] || die "POST /v1/signup answered $status: $(cat "$tmp/body")"
        code="$(mailbox_code "$b" "$email")"
        [ -n "$code" ] || die "no signup_verification code in /dev/mailbox for $email"
        status="$(post "$b" /v1/signup/verify "{\"email\":\"$email\",\"code\":\"$code\"}")"
        [ "$status" = 201 ] || die "POST /v1/signup/verify answered $status: $(cat "$tmp/body")"
    else
        die "POST /v1/signup/code answered $status: $(cat "$tmp/body")"
    fi
    json v.session_token <"$tmp/body"
}

export BENCH_EMAIL="bench-$(openssl rand -hex 4)@devcenter.test"
export BENCH_PASSWORD="bench-$(openssl rand -hex 12)"
declare -A token ws app
# seed NAME: the bench account (logged in with POST /v1/sessions), an approved workspace (the
# operator approves it) and 50 applications in it.
seed() {
    local name="$1" b="${base[$1]}" status op_token i count
    say "$name: creating the bench account, a workspace and 50 applications"
    signup "$b" "$BENCH_EMAIL" bench "$BENCH_PASSWORD" >/dev/null
    status="$(post "$b" /v1/sessions "{\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\"}")"
    [ "$status" = 201 ] || die "POST /v1/sessions answered $status: $(cat "$tmp/body")"
    token[$name]="$(json v.session_token <"$tmp/body")"
    local auth=(-H "authorization: Bearer ${token[$name]}")
    status="$(curl -sS -o /dev/null -w '%{http_code}' "${auth[@]}" "$b/v1/me")"
    [ "$status" = 200 ] || die "GET /v1/me answered $status"
    op_token="$(signup "$b" operator@devcenter.test operator "$BENCH_PASSWORD")"
    status="$(post "$b" /v1/workspaces '{"kind":"isv","company_name":"Bench Co","business_address":"1 Bench Road","country":"SG","business_representative":"B. Ench","accept_terms":true}' "${auth[@]}")"
    [ "$status" = 201 ] || die "POST /v1/workspaces answered $status: $(cat "$tmp/body")"
    ws[$name]="$(json v.id <"$tmp/body")"
    status="$(post "$b" "/v1/admin/workspaces/${ws[$name]}/approve" '{}' -H "authorization: Bearer $op_token")"
    [ "$status" = 200 ] || die "approve answered $status: $(cat "$tmp/body")"
    for i in $(seq 1 50); do
        status="$(post "$b" "/v1/workspaces/${ws[$name]}/apps" "{\"name\":\"Bench app $i\",\"type\":\"online\",\"registration_country\":\"SG\",\"description\":\"bench\",\"products\":[{\"code\":\"cashier_payment\",\"scenarios\":[\"online\",\"app\"]}],\"test_currency\":\"USD\"}" "${auth[@]}")"
        [ "$status" = 201 ] || die "POST /v1/workspaces/${ws[$name]}/apps answered $status: $(cat "$tmp/body")"
    done
    app[$name]="$(json v.id <"$tmp/body")"
    count="$(curl -sS "${auth[@]}" "$b/v1/workspaces/${ws[$name]}/apps" | json 'v.items.length')"
    [ "$count" = 50 ] || die "the app list has $count items, expected 50"
}
for name in "${workers[@]}"; do
    [ "$name" = floor ] || seed "$name"
done

# --- the sandbox gateway (issue 9): applications with an uploaded key and one payment --------
# Each measured D1 kind gets an application (a client id) of its own: the gateway counts a
# client's calls of the last 10 s on every call (the rate limit), so a shared client would let
# one route's log lines slow the next route's runs. clientonly and anon make no D1 call.
declare -A gw_conf has_gateway
gw_role() { case "$1" in clientonly | anon) echo inquiry ;; *) echo "$1" ;; esac; }
gw_expect() { case "$1" in inquiry | pay) echo SUCCESS ;; badsig) echo SIGNATURE_INVALID ;; nokey) echo KEY_NOT_FOUND ;; *) echo PARAM_ILLEGAL ;; esac; }
gateway_setup() {
    local name="$1" b="${base[$1]}" ids role i=0
    # BENCH_AGAINST may name a build from before the gateway: its gateway routes are skipped.
    if ! curl -sS -X POST "$b/ams/sandbox/api/v1/payments/pay" | grep -q '"resultCode"'; then
        say "$name: no sandbox gateway at /ams/: its gateway routes are not measured"
        return 0
    fi
    say "$name: sandbox keys and a seeded payment for 4 applications"
    mapfile -t ids < <(curl -sS -H "authorization: Bearer ${token[$name]}" "$b/v1/workspaces/${ws[$name]}/apps" |
        json "v.items.map(a => a.id).filter(id => id !== '${app[$name]}').slice(0, 4).join('\\n')")
    [ "${#ids[@]}" = 4 ] || die "$name: expected 4 more applications, got ${#ids[@]}"
    for role in inquiry badsig nokey pay; do
        gw_conf[$name:$role]="$tmp/$name/gateway-$role.json"
        python3 scripts/bench/gateway.py setup "$b" "${token[$name]}" "${ids[$i]}" "${gw_conf[$name:$role]}"
        i=$((i + 1))
    done
    has_gateway[$name]=1
}
for name in "${workers[@]}"; do
    [ "$name" = floor ] || gateway_setup "$name"
done
# A pay request is sent once (a fresh paymentRequestId each): sign more than wrk -c8 can send
# in one run (600 per second is about twice the floor's /ping locally).
duration_secs="$(awk -v d="$duration" 'BEGIN { n = d + 0; if (d ~ /ms$/) n = 1; else if (d ~ /m$/) n *= 60; else if (d ~ /h$/) n *= 3600; print (n < 1 ? 1 : n) }')"
pay_count="${BENCH_PAY_COUNT:-$((600 * duration_secs))}"
assertion_count="${BENCH_ASSERTION_COUNT:-$pay_count}"

# --- authorization (issue 10): an application ready for it, grantors, an Agent-Token ----------
declare -A oa_conf has_oauth
oa_status() { case "$1" in introspect) echo 200 ;; *) echo 401 ;; esac; }
# What every answer contains (the refusal's own reason: a reused jti is invalid_client too).
oa_expect() { case "$1" in introspect) echo '"active":true' ;; *) echo 'no application has this client id' ;; esac; }
oauth_setup() {
    local name="$1" b="${base[$1]}" tag dev grantor
    # BENCH_AGAINST may name a build from before issue 10: its OAuth routes are skipped.
    if [ "$(curl -sS -o /dev/null -w '%{http_code}' "$b/.well-known/oauth-authorization-server")" != 200 ]; then
        say "$name: no OAuth endpoints: its OAuth routes are not measured"
        return 0
    fi
    say "$name: an application ready for authorization and $((exchanges + 1)) grantor workspaces"
    tag="$(openssl rand -hex 4)"
    dev="$(signup "$b" "bench-oauth-$tag@devcenter.test" benchoauth "$BENCH_PASSWORD")"
    grantor="bench-grantor-$tag@devcenter.test"
    signup "$b" "$grantor" benchgrantor "$BENCH_PASSWORD" >/dev/null
    oa_conf[$name]="$tmp/$name/oauth.json"
    python3 scripts/bench/oauth.py setup "$b" "$dev" operator@devcenter.test "$grantor" "$BENCH_PASSWORD" \
        "$exchanges" "${oa_conf[$name]}" || die "$name: the OAuth setup failed"
    has_oauth[$name]=1
}
for name in "${workers[@]}"; do
    [ "$name" = floor ] || oauth_setup "$name"
done

# --- what is measured ---------------------------------------------------------------------------
# One line per measurement: KEY|WORKER|LABEL|KIND|PATH|WRK SCRIPT (empty: plain GET). KIND names
# the floor a route is compared with: none (no storage: /ping), kv (the KV read), d1 (one D1
# round trip: the D1 read), login (PBKDF2 plus D1 writes; shown against the D1 read).
# The order is the interleaving within a round: each floor route, then the devcenter routes of
# its kind.
plan=(
    "floor:ping|floor|GET /ping|none|/ping|"
)
add() { # add KEY_SUFFIX LABEL KIND PATH SCRIPT: one line per devcenter Worker
    local name
    for name in "${workers[@]}"; do
        [ "$name" = floor ] && continue
        plan+=("$name:$1|$name|$2|$3|$4|$5")
    done
}
add healthz "GET /healthz" none /healthz ""
add_gw() { # add_gw KEY_SUFFIX LABEL KIND API GATEWAY_KIND: devcenter Workers with the gateway
    local name
    for name in "${workers[@]}"; do
        [ "${has_gateway[$name]:-}" = 1 ] || continue
        plan+=("$name:$1|$name|$2|$3|/ams/sandbox/api/v1/payments/$4|gw:$5")
    done
}
add_gw gwanon "POST …/inquiryPayment, no headers (unsigned PARAM_ILLEGAL)" none inquiryPayment anon
add_gw gwclient "POST …/inquiryPayment, Client-Id only (signed PARAM_ILLEGAL)" none inquiryPayment clientonly
plan+=("floor:kv|floor|GET /kv (one KV read)|kv|/kv|")
plan+=("floor:d1|floor|GET /d1 (SELECT 1 on D1)|d1|/d1|")
add me "GET /v1/me" d1 /v1/me get
add app "GET /v1/apps/{app}" d1 "/v1/apps/@app" get
add apps "GET /v1/workspaces/{ws}/apps" d1 "/v1/workspaces/@ws/apps" get
add_gw gwinquiry "POST …/inquiryPayment (signed, SUCCESS)" d1 inquiryPayment inquiry
add_gw gwbadsig "POST …/inquiryPayment, bad signature (SIGNATURE_INVALID)" d1 inquiryPayment badsig
add_gw gwnokey "POST …/inquiryPayment, keyVersion=99 (KEY_NOT_FOUND)" d1 inquiryPayment nokey
add_gw gwpay "POST …/pay (signed, fresh paymentRequestId, SUCCESS)" d1 pay pay
add_oa() { # add_oa KEY_SUFFIX LABEL KIND OAUTH_KIND: devcenter Workers with the OAuth endpoints
    local name
    for name in "${workers[@]}"; do
        [ "${has_oauth[$name]:-}" = 1 ] || continue
        plan+=("$name:$1|$name|$2|$3|/oauth/introspect|oa:$4")
    done
}
add_oa oaintrospect "POST /oauth/introspect (fresh assertion, active Agent-Token: active true)" d1 introspect
add_oa oaunknown "POST /oauth/introspect, unknown client (401 invalid_client, no RSA)" d1 introspect_unknown
add login "POST /v1/sessions" login /v1/sessions login

# Warm up (the first requests compile and instantiate the wasm).
for name in "${workers[@]}"; do
    paths=(/healthz)
    [ "$name" = floor ] && paths=(/ping /kv /d1)
    for path in "${paths[@]}"; do
        for _ in $(seq 1 20); do curl -fsS -o /dev/null "${base[$name]}$path"; done
    done
done

# to_ms VALUE: wrk's latency (850.00us, 11.90ms, 1.02s, 1.00m) in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000
        printf "%.2f", n
    }'
}
# Sample answers of every gateway kind first (also a warm-up): the result code must be the
# expected one and the answer must verify with the platform key (gateway.py check).
for name in "${workers[@]}"; do
    [ "${has_gateway[$name]:-}" = 1 ] || continue
    say "$name: checking sample gateway answers"
    for kind in inquiry pay badsig nokey clientonly anon; do
        python3 scripts/bench/gateway.py check "${base[$name]}" "${gw_conf[$name:$(gw_role "$kind")]}" "$kind" 3 ||
            die "$name: the gateway's $kind answers are not what the bench measures"
    done
done
for name in "${workers[@]}"; do
    [ "${has_oauth[$name]:-}" = 1 ] || continue
    say "$name: checking sample introspection answers"
    for kind in introspect introspect_unknown; do
        python3 scripts/bench/oauth.py check "${base[$name]}" "${oa_conf[$name]}" "$kind" 3 ||
            die "$name: the $kind answers are not what the bench measures"
    done
done

declare -A runs_rps runs_p50 runs_p99 bad sockerr gw_bad gw_reused gw_first ex_mean ex_p50 ex_p90
say "measuring: $rounds rounds of ${#plan[@]} wrk runs, $duration each (wrk -t$threads -c$connections)"
for round in $(seq 1 "$rounds"); do
    for line in "${plan[@]}"; do
        IFS='|' read -r key name label kind path script <<<"$line"
        url="${base[$name]}${path//@app/${app[$name]:-}}"
        url="${url//@ws/${ws[$name]:-}}"
        args=()
        genv=()
        if [[ "$script" == gw:* ]]; then
            # Signed just before the run: the gateway refuses Request-Times over 5 minutes old.
            kind="${script#gw:}" count=1000 once=0 signed=1
            [ "$kind" = pay ] && count="$pay_count" once=1
            [ "$kind" = anon ] && signed=0
            python3 scripts/bench/gateway.py sign "${gw_conf[$name:$(gw_role "$kind")]}" "$kind" "$count" "$tmp/gw-set.txt"
            args=(-s scripts/bench/gateway.lua)
            genv=(BENCH_REQUESTS="$tmp/gw-set.txt" BENCH_EXPECT="$(gw_expect "$kind")" BENCH_SIGNED="$signed"
                BENCH_ONCE="$once" BENCH_THREADS="$threads")
        elif [[ "$script" == oa:* ]]; then
            # Made just before the run: every assertion's jti is accepted once.
            kind="${script#oa:}"
            python3 scripts/bench/oauth.py sign "${oa_conf[$name]}" "$kind" "$assertion_count" "$tmp/oa-set.txt"
            args=(-s scripts/bench/oauth.lua)
            genv=(BENCH_REQUESTS="$tmp/oa-set.txt" BENCH_STATUS="$(oa_status "$kind")"
                BENCH_EXPECT="$(oa_expect "$kind")" BENCH_THREADS="$threads")
        elif [ -n "$script" ]; then
            args=(-s "scripts/bench/$script.lua")
        fi
        say "round $round/$rounds: $name $label"
        out="$(env "${genv[@]}" BENCH_TOKEN="${token[$name]:-}" wrk -t"$threads" -c"$connections" -d"$duration" --latency "${args[@]}" "$url")"
        if [[ "$script" == gw:* || "$script" == oa:* ]]; then
            gline="$(grep -E '^(gateway|oauth): answers' <<<"$out" || true)"
            [ -n "$gline" ] || die "${script%%:*} script printed no summary: $out"
            gw_bad[$key]=$((${gw_bad[$key]:-0} + $(awk '{ print $5 }' <<<"$gline")))
            gw_reused[$key]=$((${gw_reused[$key]:-0} + $(awk '{ print $7 }' <<<"$gline")))
            [ -n "${gw_first[$key]:-}" ] || gw_first[$key]="$(sed -n 's/^\(gateway\|oauth\)-first-unexpected: //p' <<<"$out")"
        fi
        printf '%s\n' "$out" >"$tmp/wrk-${key//[^a-z]/_}-$round.txt"
        runs_rps[$key]+="$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out") "
        runs_p50[$key]+="$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")") "
        runs_p99[$key]+="$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")") "
        bad[$key]=$((${bad[$key]:-0} + $(awk '/Non-2xx or 3xx responses:/ { n = $NF } END { print n + 0 }' <<<"$out")))
        if grep -q '^  Socket errors:' <<<"$out"; then sockerr[$key]=" (socket errors)"; fi
    done
    for name in "${workers[@]}"; do
        [ "${has_oauth[$name]:-}" = 1 ] || continue
        say "round $round/$rounds: $name POST /oauth/token ($exchanges consents, then $exchanges exchanges of each kind)"
        out="$(python3 scripts/bench/oauth.py exchange "${base[$name]}" "${oa_conf[$name]}" "$exchanges")" ||
            die "$name: token exchanges did not measure what they claim (not recorded)"
        printf '%s\n' "$out" >"$tmp/exchange-$name-$round.txt"
        while read -r _ kind _ _ _ mean _ p50 _ p90; do
            ex_mean[$name:$kind]+="$mean "
            ex_p50[$name:$kind]+="$p50 "
            ex_p90[$name:$kind]+="$p90 "
        done < <(grep '^exchange: ' <<<"$out")
    done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"

median() { tr ' ' '\n' <<<"$1" | awk 'NF' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
declare -A med
for line in "${plan[@]}"; do
    IFS='|' read -r key _ <<<"$line"
    med[$key]="$(median "${runs_rps[$key]}")"
done
floor_of() { case "$1" in none) echo floor:ping ;; kv) echo floor:kv ;; *) echo floor:d1 ;; esac; }
floor_name() { case "$1" in none) echo "/ping" ;; kv) echo "the KV read" ;; *) echo "the D1 read" ;; esac; }

size_line() { # size_line LABEL FILE
    local raw gz
    raw="$(wc -c <"$2")"
    gz="$(gzip -9 -c "$2" | wc -c)"
    awk -v l="$1" -v f="$2" -v r="$raw" -v g="$gz" \
        'BEGIN { printf "- %s `%s`: %d bytes raw (%.1f KiB), %d bytes gzip -9 (%.1f KiB)\n", l, f, r, r / 1024, g, g / 1024 }'
}

# cost_diff KEY_A KEY_B: the median over rounds of 1000/rps(A) - 1000/rps(B), in ms (rounds
# are paired: both ran seconds apart in the same round).
cost_diff() {
    local a b d=""
    read -ra a <<<"${runs_rps[$1]}"
    read -ra b <<<"${runs_rps[$2]}"
    for i in "${!a[@]}"; do
        d+="$(awk -v x="${a[$i]}" -v y="${b[$i]:-0}" 'BEGIN { if (x > 0 && y > 0) printf "%.3f", 1000 / x - 1000 / y }') "
    done
    median "$d"
}
# lat_diff A B: the median over rounds of mean latency(A) - mean latency(B) of token exchanges
# (keys NAME:KIND of ex_mean), in ms.
lat_diff() {
    local a b d=""
    read -ra a <<<"${ex_mean[$1]}"
    read -ra b <<<"${ex_mean[$2]}"
    for i in "${!a[@]}"; do
        d+="$(awk -v x="${a[$i]}" -v y="${b[$i]:-0}" 'BEGIN { printf "%.3f", x - y }') "
    done
    median "$d"
}
cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
report="$tmp/report.md"
{
    echo "Run $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)'), $(nproc) cores${cpu:+ ($cpu)}, load average $load_before before and $load_after after."
    echo "\`wrangler dev\` (local workerd, release builds), \`wrk -t$threads -c$connections -d$duration --latency\` per route and round,"
    echo "$rounds rounds, every route of every Worker once per round, interleaved; medians of the rounds."
    [ -n "$against" ] && echo "\`against\` is the Worker built in \`$against\` (BENCH_AGAINST)."
    echo
    echo "| Worker | route | req/s | p50 | p99 | ratio to the floor of its kind | req/s per round | non-2xx |"
    echo "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: |"
    for line in "${plan[@]}"; do
        IFS='|' read -r key name label kind _ <<<"$line"
        if [ "$name" = floor ]; then
            r="$(ratio "${med[$key]}" "${med[floor:ping]}")x of /ping"
        else
            r="**$(ratio "${med[$key]}" "${med[$(floor_of "$kind")]}")x** of $(floor_name "$kind")"
            [ "$kind" = none ] || r="$r ($(ratio "${med[$key]}" "${med[floor:ping]}")x of /ping)"
        fi
        gw=""
        [ -n "${gw_bad[$key]:-}" ] && gw=", ${gw_bad[$key]} unexpected result"
        [ "${gw_reused[$key]:-0}" -gt 0 ] && gw="$gw, ${gw_reused[$key]} reused"
        echo "| $name | \`$label\` | ${med[$key]} | $(median "${runs_p50[$key]}")ms | $(median "${runs_p99[$key]}")ms | $r | ${runs_rps[$key]% } | ${bad[$key]}${sockerr[$key]:-}$gw |"
    done
    echo
    for name in "${workers[@]}"; do
        [ "${has_gateway[$name]:-}" = 1 ] || continue
        echo "$name, machine time per request (1000 / req/s, in ms; the median of the per-round differences):"
        echo
        echo "| difference | what it isolates | ms per request |"
        echo "| --- | --- | ---: |"
        echo "| Client-Id only − no headers | one response signature (RS256 with the platform key, WebCrypto) | $(cost_diff "$name:gwclient" "$name:gwanon") |"
        echo "| bad signature − keyVersion=99 | one RS256 verification (rsa crate in wasm; plus the acceptance-case insert in the same log batch) | $(cost_diff "$name:gwbadsig" "$name:gwnokey") |"
        echo "| floor D1 read − floor /ping | one D1 round trip (SELECT 1) | $(cost_diff floor:d1 floor:ping) |"
        echo "| keyVersion=99 − Client-Id only | the client lookup and the log batch (two D1 round trips: the normal path) | $(cost_diff "$name:gwnokey" "$name:gwclient") |"
        echo "| signed inquiry − /healthz | the whole inquiry: 1 guarded D1 batch (fast path), verification, signature, JSON | $(cost_diff "$name:gwinquiry" "$name:healthz") |"
        echo "| signed pay − /healthz | the whole pay: 1 guarded D1 write batch (fast path), verification, signature | $(cost_diff "$name:gwpay" "$name:healthz") |"
        echo
    done
    for name in "${workers[@]}"; do
        [ "${has_oauth[$name]:-}" = 1 ] || continue
        echo "$name, POST /oauth/introspect: **$(ratio "${med[$name:oaintrospect]}" "${med[floor:d1]}")x** of the floor's D1 read (target ≥ 0.5x: one round trip that also records the jti, plus one RSA verification). Machine time per request (1000 / req/s, in ms; the median of the per-round differences):"
        echo
        echo "| difference | what it isolates | ms per request |"
        echo "| --- | --- | ---: |"
        echo "| introspect − introspect, unknown client | one RS256 verification (jwt-compact over the rsa crate in wasm) and the active answer's JSON | $(cost_diff "$name:oaintrospect" "$name:oaunknown") |"
        echo "| introspect, unknown client − floor D1 read | the rest: form and assertion parsing, the token's keyed hash, one batch of a jti insert and two reads instead of a SELECT 1 | $(cost_diff "$name:oaunknown" floor:d1) |"
        echo
        echo "$name, POST /oauth/token: per round $exchanges codes (consents in as many grantor workspaces, made just before), then $exchanges exchanges of each kind, interleaved, one at a time on one connection (scripts/bench/oauth.py; the same code, redirect URI and PKCE verifier for the three kinds; latency seen by the client in ms, medians of the rounds):"
        echo
        echo "| exchange | answer | mean | p50 | p90 | mean per round |"
        echo "| --- | --- | ---: | ---: | ---: | --- |"
        for kind in ok wrongkey unknown; do
            case "$kind" in
                ok) what="\`POST /oauth/token\` (fresh code, valid assertion) | 200 Agent-Token" ;;
                wrongkey) what="… assertion signed by a key never uploaded | 401 invalid_client after the RS256 verification" ;;
                unknown) what="… assertion naming an unknown client | 401 invalid_client after the same batch, no RSA" ;;
            esac
            echo "| $what | $(median "${ex_mean[$name:$kind]}")ms | $(median "${ex_p50[$name:$kind]}")ms | $(median "${ex_p90[$name:$kind]}")ms | ${ex_mean[$name:$kind]% } |"
        done
        echo
        echo "| difference (mean latency) | what it isolates | ms per exchange |"
        echo "| --- | --- | ---: |"
        echo "| wrong key − unknown client | one RS256 verification (jwt-compact over the rsa crate in wasm) | $(lat_diff "$name:wrongkey" "$name:unknown") |"
        echo "| valid − wrong key | the code checks (PKCE: one SHA-256), the redeem batch (the second D1 round trip: update, guard, read, audit), the token's derivation, the JSON | $(lat_diff "$name:ok" "$name:wrongkey") |"
        echo
    done
    size_line "devcenter wasm" build/index_bg.wasm
    size_line "floor wasm" bench/floor/build/index_bg.wasm
    [ -n "$against" ] && size_line "against wasm" "$against/build/index_bg.wasm"
} >"$report"

echo
cat "$report"
gw_failed=""
for key in "${!gw_bad[@]}"; do
    if [ "${gw_bad[$key]}" -gt 0 ] || [ "${gw_reused[$key]:-0}" -gt 0 ]; then
        gw_failed+="$key: ${gw_bad[$key]} unexpected answers (first: ${gw_first[$key]:-}), ${gw_reused[$key]:-0} requests of a one-use set reused; "
    fi
done
[ -z "$gw_failed" ] || die "gateway or OAuth routes did not measure what they claim (not recorded): $gw_failed (raise BENCH_PAY_COUNT or BENCH_ASSERTION_COUNT if requests were reused)"
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
