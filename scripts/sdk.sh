#!/usr/bin/env bash
# Runs the official Alipay global open SDK for Python (global-open-sdk-python, pinned in
# tests/python/requirements.in) against the sandbox gateway of a running devcenter:
# tests/sdk/sdk_interop.py makes an account, an approved workspace and an application through
# the API, then pays, queries, refunds, cancels and receives a notification through the SDK.
#
#   scripts/sdk.sh BASE_URL [DEV_VARS]
#
# BASE_URL serves ENVIRONMENT=development (codes from /dev/mailbox). DEV_VARS (default
# $DEVCENTER_DEV_VARS) is that server's secrets file (OPERATOR_EMAILS is read from it if set).
#
# The SDK always connects with HTTPS to port 443 of its gateway URL's host and sends
# absolute-form request lines, so this script makes a throwaway self-signed certificate for
# 127.0.0.1/localhost, starts tests/sdk/tls_front.py on 127.0.0.1:443 (TLS, origin-form
# rewrite, forwarding to BASE_URL; stopped on exit) and runs the SDK with SSL_CERT_FILE naming
# that certificate and gateway_url https://127.0.0.1. Binding 443 needs root (or
# CAP_NET_BIND_SERVICE); one run at a time holds the port (others wait on a lock, up to
# SDK_LOCK_WAIT_SECS, default 600).
# Environment: SDK_KEEP=1 keeps the work folder (certificate, tls-front.log).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

base="${1:?usage: scripts/sdk.sh BASE_URL [DEV_VARS]}"
base="${base%/}"
dev_vars="${2:-${DEVCENTER_DEV_VARS:-}}"
case "$base" in
    http://*) ;;
    *) die "BASE_URL must be the dev server's http:// URL (the TLS front forwards to it), not $base" ;;
esac
command -v openssl >/dev/null 2>&1 || die "openssl is needed for the TLS front's certificate"

scripts/venv.sh
py="$REPO_ROOT/.venv/bin/python"

work="$(mktemp -d "${TMPDIR:-/tmp}/devcenter-sdk.XXXXXX")"
front_pid=""
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ -n "$front_pid" ]; then
        kill -TERM "$front_pid" 2>/dev/null || true
        wait "$front_pid" 2>/dev/null || true
    fi
    if [ "$status" != 0 ] && [ -s "$work/tls-front.log" ]; then
        printf '\n---- TLS front log (%s) ----\n' "$work/tls-front.log" >&2
        tail -n 40 "$work/tls-front.log" >&2
    fi
    if [ "${SDK_KEEP:-0}" = 1 ]; then
        say "kept $work"
    else
        rm -rf "$work"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Port 443 is machine-wide: two runs (make test in two worktrees) take turns.
lock="${TMPDIR:-/tmp}/devcenter-sdk-443.lock"
exec 8>"$lock"
if command -v flock >/dev/null 2>&1; then
    flock -w "${SDK_LOCK_WAIT_SECS:-600}" 8 || die "another scripts/sdk.sh has held port 443 for too long ($lock)"
fi

say "sdk: making a throwaway certificate for 127.0.0.1 and localhost"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$work/key.pem" -out "$work/cert.pem" 2>"$work/openssl.log" ||
    { cat "$work/openssl.log" >&2; die "openssl could not make the certificate"; }

say "sdk: starting the TLS front https://127.0.0.1:443 -> $base"
"$py" tests/sdk/tls_front.py --upstream "$base" --cert "$work/cert.pem" --key "$work/key.pem" \
    >"$work/tls-front.log" 2>&1 </dev/null &
front_pid=$!
deadline=$((SECONDS + 20))
until curl -fsS -o /dev/null --max-time 2 --cacert "$work/cert.pem" https://127.0.0.1/healthz 2>/dev/null; do
    if ! kill -0 "$front_pid" 2>/dev/null; then
        cat "$work/tls-front.log" >&2
        front_pid=""
        die "the TLS front did not start (is port 443 taken? ss -ltnp 'sport = :443')"
    fi
    [ "$SECONDS" -lt "$deadline" ] || die "the TLS front did not answer https://127.0.0.1/healthz within 20 s"
    sleep 0.3
done

say "sdk: running the official SDK against https://127.0.0.1 (tests/sdk/sdk_interop.py)"
SSL_CERT_FILE="$work/cert.pem" "$py" tests/sdk/sdk_interop.py "$base" --gateway https://127.0.0.1 \
    ${dev_vars:+--dev-vars "$dev_vars"} </dev/null
say "sdk passed"
