#!/usr/bin/env bash
# Fuzzes a running devcenter with schemathesis against its own /openapi.json, and fails on any
# problem: a 5xx, an answer (status, content type, headers, body) the document does not
# describe, a schema-valid request refused or an invalid one accepted, or a create route never
# answered with a 2xx.
#
#   scripts/fuzz.sh BASE_URL [DEV_VARS]
#
# BASE_URL serves ENVIRONMENT=development (the setup reads codes from /dev/mailbox). DEV_VARS
# (default $DEVCENTER_DEV_VARS) is the secrets file of that server, for signing the provisioning
# webhook. tests/fuzz/setup.py first makes real accounts and ids through the public API; then
# four runs (tests/fuzz/schemathesis.toml, tests/fuzz/hooks.py):
#   anonymous  every operation, no session
#   owner      the Owner of an approved tsp workspace with an application, real ids in paths
#              (all operations but the two logouts, which would end the session)
#   logout     the two logouts, with a session of their own
#   operator   the /v1/admin operations, with the operator's session
# Each run sends its own CF-Connecting-IP (a documentation address), so that one run's failed
# logins, or the e2e suite's, do not throttle the next one's.
# Environment: FUZZ_KEEP=1 keeps the work folder (calls.jsonl, reports);
#              FUZZ_TIMEOUT_SECS caps each run (default 300; a run that hits it fails);
#              FUZZ_SCHEMA fuzzes another document than BASE_URL/openapi.json (a file or URL);
#              FUZZ_ARGS adds schemathesis run options (split on spaces) to every run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

base="${1:?usage: scripts/fuzz.sh BASE_URL [DEV_VARS]}"
base="${base%/}"
dev_vars="${2:-${DEVCENTER_DEV_VARS:-}}"

scripts/venv.sh
py="$REPO_ROOT/.venv/bin/python"
st="$REPO_ROOT/.venv/bin/schemathesis"

work="$(mktemp -d "${TMPDIR:-/tmp}/devcenter-fuzz.XXXXXX")"
if [ "${FUZZ_KEEP:-0}" = 1 ]; then
    trap 'say "kept $work"' EXIT
else
    trap 'rm -rf "$work"' EXIT
fi

say "fuzz: making accounts, a workspace and an application through the API"
"$py" tests/fuzz/setup.py "$base" "$work/state.json"

export FUZZ_STATE="$work/state.json" FUZZ_LOG="$work/calls.jsonl" FUZZ_DEV_VARS="$dev_vars"
export PYTHONPATH="$REPO_ROOT/tests/fuzz${PYTHONPATH:+:$PYTHONPATH}" SCHEMATHESIS_HOOKS=hooks
token() { "$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["tokens"][sys.argv[2]])' "$FUZZ_STATE" "$1"; }

failed=()
runs=0
run() { # run NAME [schemathesis run args...]
    local name="$1"
    shift
    runs=$((runs + 1))
    say "fuzz: $name run"
    local status=0
    # shellcheck disable=SC2086 # FUZZ_ARGS is split on purpose
    FUZZ_RUN="$name" timeout "${FUZZ_TIMEOUT_SECS:-300}" \
        "$st" --config-file tests/fuzz/schemathesis.toml --no-color run "${FUZZ_SCHEMA:-$base/openapi.json}" \
        --url "$base" -H "CF-Connecting-IP: 198.51.100.$runs" --report junit --report-dir "$work/report-$name" "$@" ${FUZZ_ARGS:-} || status=$?
    [ "$status" = 0 ] || failed+=("$name (exit $status)")
}

logouts='^/v1/sessions(/current)?$'
run anonymous
run owner -H "Authorization: Bearer $(token owner)" --exclude-path-regex "$logouts"
run logout -H "Authorization: Bearer $(token logout)" --include-path-regex "$logouts" --include-method DELETE
run operator -H "Authorization: Bearer $(token operator)" --include-path-regex '^/v1/admin/'

say "fuzz: checking that every create route answered 2xx"
schema="${FUZZ_SCHEMA:-$base/openapi.json}"
case "$schema" in
    http://* | https://*) curl -fsS -o "$work/openapi.json" "$schema" ;;
    *) cp "$schema" "$work/openapi.json" ;;
esac
"$py" - "$work/openapi.json" "$FUZZ_LOG" <<'PY' || failed+=("create routes")
import json, sys
doc = json.load(open(sys.argv[1]))
calls = [json.loads(line) for line in open(sys.argv[2])]
# Create routes: every POST that documents a 201, and the POSTs that create something without one.
creates = {f"POST {path}" for path, item in doc["paths"].items()
           if "post" in item and "201" in item["post"]["responses"]}
creates |= {f"POST {p}" for p in ("/v1/signup/code", "/v1/password-reset", "/v1/hooks/provisioning",
                                   "/v1/invitations/accept", "/v1/apps/{app}/products",
                                   "/v1/apps/{app}/sandbox/rotate-token") if p in doc["paths"]}
ok = {c["op"] for c in calls if 200 <= c["status"] < 300}
by_status = {}
for c in calls:
    by_status[c["status"] // 100] = by_status.get(c["status"] // 100, 0) + 1
print(f"fuzz: {len(calls)} requests; by status class: " + ", ".join(f"{k}xx {v}" for k, v in sorted(by_status.items())))
missing = sorted(creates - ok)
for op in missing:
    seen = sorted({c["status"] for c in calls if c["op"] == op})
    print(f"fuzz: {op} never answered 2xx (answers seen: {seen or 'none'})")
sys.exit(1 if missing or by_status.get(5) else 0)
PY

if [ "${#failed[@]}" -gt 0 ]; then
    say "fuzz FAILED: ${failed[*]}"
    exit 1
fi
say "fuzz passed"
