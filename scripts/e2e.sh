#!/usr/bin/env bash
# Runs the end-to-end suite (tests/e2e, crate devcenter-e2e) against a real `wrangler dev`.
# Builds nothing itself: `make test-e2e` / `make test` build the Worker first.
#
# Each run gets free ports, a fresh temporary state folder (local D1 + KV), its own freshly
# generated secrets file, the D1 migrations, and wrangler dev with:
#   --var EMAIL_WEBHOOK_URL:http://127.0.0.1:$SINK_PORT/email --var OUTBOX_BACKOFF_BASE_SECS:1
#   --var OUTBOX_MAX_ATTEMPTS:3 --test-scheduled
# The suite gets DEVCENTER_URL, DEVCENTER_SINK_PORT (it serves the email webhook there itself),
# DEVCENTER_DEV_VARS (the secrets file wrangler uses), CHROMEDRIVER_URL and CHROME_BIN.
# wrangler (with its workerd) and chromedriver are stopped on exit, also when tests fail.
#
# After the suite passes, scripts/fuzz.sh fuzzes the same server (E2E_FUZZ=0 skips that), and
# scripts/sdk.sh runs the official Alipay Python SDK against its sandbox gateway, through a TLS
# front on 127.0.0.1:443 (E2E_SDK=0 skips that).
# The suite itself runs authlib, a stock OAuth client, through scripts/oauth.sh (its own
# virtualenv) in the test oauth_interop::authlib_exchange (E2E_OAUTH=0 skips that test).
# Environment: E2E_TEST_ARGS (extra args after `--`, e.g. a test name filter),
#              E2E_WAIT_SECS (how long to wait for /healthz, default 180),
#              E2E_KEEP=1 (keep the temp folder with logs and state for inspection).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

[ -x "$WRANGLER" ] || die "wrangler missing: run 'make tools' (or scripts/install-tools.sh)"
[ -f build/worker/shim.mjs ] || die "the Worker is not built: run 'make worker' first"
command -v chromedriver >/dev/null 2>&1 ||
    die "chromedriver missing: run 'make tools-browser' (scripts/install-tools.sh --browser)"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/devcenter-e2e.XXXXXX")"
state="$tmp/state"
dev_vars="$tmp/dev.vars"
wrangler_log="$tmp/wrangler.log"
chromedriver_log="$tmp/chromedriver.log"
WRANGLER_PID=""
chromedriver_pid=""
tests_pid=""

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    stop_pgroup "$tests_pid"
    stop_pgroup "$WRANGLER_PID"
    stop_pgroup "$chromedriver_pid"
    if [ "${E2E_KEEP:-0}" = 1 ]; then
        say "kept $tmp (wrangler.log, chromedriver.log, state/)"
    else
        rm -rf "$tmp"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

read -r port sink_port cd_port < <(free_ports 3) || true
[ -n "${cd_port:-}" ] || die "could not find free ports"

# Compile the suite before anything is started, so compile time never counts against a timeout.
say "compiling the end-to-end suite"
cargo test -p devcenter-e2e --no-run

scripts/dev-secrets.sh "$dev_vars" 2>/dev/null

say "applying D1 migrations to a fresh state folder"
if ! apply_migrations "$state" >"$tmp/migrations.log" 2>&1; then
    cat "$tmp/migrations.log" >&2
    die "D1 migrations failed"
fi

say "starting wrangler dev on 127.0.0.1:$port (email sink port $sink_port)"
start_wrangler "$wrangler_log" "$port" "$state" "$dev_vars" \
    --var "EMAIL_WEBHOOK_URL:http://127.0.0.1:$sink_port/email" \
    --var OUTBOX_BACKOFF_BASE_SECS:1 \
    --var OUTBOX_MAX_ATTEMPTS:3
if ! wait_http "http://127.0.0.1:$port/healthz" "${E2E_WAIT_SECS:-180}" "$WRANGLER_PID"; then
    printf '\n---- wrangler log (%s) ----\n' "$wrangler_log" >&2
    cat "$wrangler_log" >&2
    die "wrangler dev did not answer /healthz on port $port"
fi
# wrangler's file watcher reports one spurious "... changed, restarting build" after start; if
# it lands after /healthz already answers, the reload would cut requests in flight ("Your
# worker restarted mid-request"). Wait (20 s at most) until wrangler is Ready after it.
settle_deadline=$((SECONDS + 20))
while [ "$SECONDS" -lt "$settle_deadline" ]; do
    last_change="$(grep -n 'changed, restarting build' "$wrangler_log" | tail -n1 | cut -d: -f1)"
    last_ready="$(grep -n 'Ready on' "$wrangler_log" | tail -n1 | cut -d: -f1)"
    if [ -n "$last_change" ] && [ -n "$last_ready" ] && [ "$last_ready" -gt "$last_change" ]; then
        break
    fi
    sleep 0.5
done

say "starting chromedriver on 127.0.0.1:$cd_port"
setsid chromedriver --port="$cd_port" >"$chromedriver_log" 2>&1 </dev/null &
chromedriver_pid=$!
if ! wait_http "http://127.0.0.1:$cd_port/status" 30 "$chromedriver_pid"; then
    cat "$chromedriver_log" >&2
    die "chromedriver did not start"
fi

say "running the end-to-end suite against http://127.0.0.1:$port"
status=0
# In the background plus `wait`, so that INT/TERM reach the traps at once (bash defers traps
# while a foreground child runs); in its own process group so cleanup can stop it with its
# test binary.
# shellcheck disable=SC2086 # E2E_TEST_ARGS is split on purpose
DEVCENTER_URL="http://127.0.0.1:$port" \
    DEVCENTER_SINK_PORT="$sink_port" \
    DEVCENTER_DEV_VARS="$dev_vars" \
    CHROMEDRIVER_URL="http://127.0.0.1:$cd_port" \
    CHROME_BIN="$(command -v chromium || true)" \
    setsid cargo test -p devcenter-e2e -- --test-threads=4 ${E2E_TEST_ARGS:-} </dev/null &
tests_pid=$!
wait "$tests_pid" || status=$?
tests_pid=""

# ---- fuzzing (scripts/fuzz.sh): schemathesis against /openapi.json of the same server --------
if [ "$status" = 0 ] && [ "${E2E_FUZZ:-1}" = 1 ]; then
    say "fuzzing http://127.0.0.1:$port (scripts/fuzz.sh; E2E_FUZZ=0 skips)"
    scripts/fuzz.sh "http://127.0.0.1:$port" "$dev_vars" </dev/null || status=$?
fi

# ---- the official Alipay SDK (scripts/sdk.sh): pays, refunds, notifications through it ------
if [ "$status" = 0 ] && [ "${E2E_SDK:-1}" = 1 ]; then
    say "running the official Alipay Python SDK against http://127.0.0.1:$port (scripts/sdk.sh; E2E_SDK=0 skips)"
    scripts/sdk.sh "http://127.0.0.1:$port" "$dev_vars" </dev/null || status=$?
fi
# ---------------------------------------------------------------------------------------------

if [ "$status" != 0 ]; then
    printf '\n---- last 80 lines of the wrangler log (%s) ----\n' "$wrangler_log" >&2
    tail -n 80 "$wrangler_log" >&2
    # A 503 "Your worker restarted mid-request" needs its cause: a panic, or a reload.
    printf '\n---- panics, errors and reloads anywhere in the wrangler log ----\n' >&2
    grep -nE -B2 -A8 'panicked|RuntimeError|Uncaught|unreachable|restart|changed|Reload|✘' "$wrangler_log" >&2 || true
    say "end-to-end suite FAILED (exit $status)"
else
    say "end-to-end suite passed"
fi
exit "$status"
