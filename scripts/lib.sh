# shellcheck shell=bash
# Helpers shared by the devcenter scripts. Source it; it sets no shell options itself.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/versions.env
source "$REPO_ROOT/scripts/versions.env"
TOOLS="${DEVCENTER_TOOLS:-$HOME/.cache/devcenter-tools}"
WRANGLER="$REPO_ROOT/node_modules/.bin/wrangler"

# Keep wrangler from prompting, phoning home or fetching Cloudflare's request.cf data.
export CI=true WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The version of the wasm-bindgen crate in Cargo.lock (empty if absent).
lock_wasm_bindgen_version() {
    awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' \
        "$REPO_ROOT/Cargo.lock"
}

# Prints N distinct free TCP ports on 127.0.0.1, space separated. All sockets are held open
# together so the ports differ; a small race with other programs remains, as with any such scheme.
free_ports() {
    node -e '
        const net = require("net");
        const n = Number(process.argv[1]);
        const servers = [];
        const ports = [];
        const next = () => {
            if (ports.length === n) { console.log(ports.join(" ")); servers.forEach(s => s.close()); return; }
            const s = net.createServer();
            s.listen(0, "127.0.0.1", () => { ports.push(s.address().port); servers.push(s); next(); });
        };
        next();
    ' "$1"
}

# start_wrangler LOG PORT STATE ENV_FILE [extra wrangler dev args...]
# Starts `wrangler dev` in its own session (process group) so stop_wrangler can end it together
# with the workerd it spawns. Sets WRANGLER_PID (= its process group id).
start_wrangler() {
    local log="$1" port="$2" state="$3" env_file="$4"
    shift 4
    local inspector
    inspector="$(free_ports 1)"
    (
        cd "$REPO_ROOT"
        exec setsid "$WRANGLER" dev --ip 127.0.0.1 --port "$port" --inspector-port "$inspector" \
            --persist-to "$state" --env-file "$env_file" --test-scheduled "$@"
    ) >"$log" 2>&1 </dev/null &
    WRANGLER_PID=$!
}

# stop_pgroup PID: TERM the process group led by PID, then KILL whatever is left after 5 s.
stop_pgroup() {
    local pid="$1" i
    [ -n "$pid" ] || return 0
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 1 50); do
        kill -0 -- "-$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# wait_http URL TIMEOUT_SECS PID: waits until URL answers 2xx; fails early if PID dies.
wait_http() {
    local url="$1" timeout="$2" pid="$3" start=$SECONDS
    while (( SECONDS - start < timeout )); do
        if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
            return 0
        fi
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            return 1
        fi
        sleep 0.5
    done
    return 1
}

# apply_migrations STATE: applies schema/migrations to the local D1 under STATE.
apply_migrations() {
    (cd "$REPO_ROOT" && "$WRANGLER" d1 migrations apply DB --local --persist-to "$1")
}
