#!/usr/bin/env bash
# Installs every tool the build, `make dev`, `make test` and `make bench` need, with pinned
# versions, and only what is missing (a second run does nothing and takes about a second).
#
#   scripts/install-tools.sh            rust target/components, worker-build, wasm-bindgen, npm ci
#   scripts/install-tools.sh --browser  also chromium + chromium-driver (apt; the e2e browser test)
#   scripts/install-tools.sh --bench    also wrk (apt)
#
# Compiled tools go to a cache outside the clone, one folder per tool and version:
#   $DEVCENTER_TOOLS (default ~/.cache/devcenter-tools)/worker-build-<v>/bin/worker-build
#   $DEVCENTER_TOOLS/wasm-bindgen-<v>/bin/wasm-bindgen   (<v> read from Cargo.lock)
# so every clone on the machine reuses them. wrangler, esbuild and wasm-opt (binaryen) come from
# npm through the committed package-lock.json.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

want_browser=0
want_bench=0
for arg in "$@"; do
    case "$arg" in
        --browser) want_browser=1 ;;
        --bench) want_bench=1 ;;
        -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option: $arg (known: --browser, --bench)" ;;
    esac
done

# --- prerequisites that this script does not install -------------------------------------------
for cmd in cargo rustup node npm curl openssl; do
    command -v "$cmd" >/dev/null 2>&1 ||
        die "'$cmd' is not on PATH. Needed: a rustup Rust toolchain, Node.js 20 with npm, curl, openssl."
done

# --- Rust target and components ------------------------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "installing rust target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
fi
installed_components="$(rustup component list --installed)"
for comp in rustfmt clippy; do
    if ! grep -q "^$comp" <<<"$installed_components"; then
        say "installing rust component $comp"
        rustup component add "$comp"
    fi
done

# --- wasm-bindgen version: Cargo.lock is the truth, Cargo.toml's exact pin must agree -----------
wbg_version="$(lock_wasm_bindgen_version)"
[ -n "$wbg_version" ] || die "Cargo.lock has no wasm-bindgen package; run 'cargo generate-lockfile'?"
wbg_pin="$(sed -n 's/^wasm-bindgen *= *"=\{0,1\}\([0-9][^"]*\)".*/\1/p; s/^wasm-bindgen *= *{.*version *= *"=\{0,1\}\([0-9][^"]*\)".*/\1/p' \
    "$REPO_ROOT/Cargo.toml" | head -n1)"
if [ -z "$wbg_pin" ]; then
    die "Cargo.toml does not pin wasm-bindgen (expected a line like: wasm-bindgen = \"=$wbg_version\")"
fi
if [ "$wbg_pin" != "$wbg_version" ]; then
    die "wasm-bindgen pin mismatch: Cargo.toml says =$wbg_pin but Cargo.lock has $wbg_version.
       Fix Cargo.toml's pin or run 'cargo update -p wasm-bindgen --precise $wbg_pin', then retry."
fi

# --- compiled tools in the shared, version-keyed cache ------------------------------------------
mkdir -p "$TOOLS"

# cargo_tool NAME VERSION CRATE BIN MINUTES [cargo install flags...]
cargo_tool() {
    local name="$1" version="$2" crate="$3" bin="$4" minutes="$5"
    shift 5
    local root="$TOOLS/$name-$version"
    if [ -x "$root/bin/$bin" ]; then
        return 0
    fi
    # One install at a time per machine: a second clone started meanwhile waits, then reuses it.
    exec 9>"$TOOLS/.$name-$version.lock"
    if command -v flock >/dev/null 2>&1; then
        flock 9
    fi
    if [ ! -x "$root/bin/$bin" ]; then
        say "installing $name $version (about $minutes minutes, once per machine) into $root"
        local staging="$TOOLS/.staging-$name-$version.$$"
        rm -rf "$staging"
        if ! cargo install "$crate" --version "$version" --root "$staging" "$@"; then
            rm -rf "$staging"
            die "cargo install $crate $version failed (see above)"
        fi
        rm -rf "$root"
        mv "$staging" "$root"
        say "installed $name $version"
    fi
    exec 9>&-
}

cargo_tool worker-build "$WORKER_BUILD_VERSION" worker-build worker-build 6 --locked
# Without --locked, as in the checked recipe (shared/TOOLCHAIN.md).
cargo_tool wasm-bindgen "$wbg_version" wasm-bindgen-cli wasm-bindgen 4

# --- npm tooling (wrangler, esbuild, binaryen's wasm-opt) ---------------------------------------
stamp="$REPO_ROOT/node_modules/.package-lock.json"
if [ ! -f "$stamp" ] || [ "$REPO_ROOT/package-lock.json" -nt "$stamp" ] ||
    [ ! -x "$REPO_ROOT/node_modules/.bin/wrangler" ]; then
    say "installing npm packages (npm ci: wrangler, binaryen)"
    (cd "$REPO_ROOT" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$stamp"
fi
for bin in wrangler esbuild wasm-opt; do
    [ -x "$REPO_ROOT/node_modules/.bin/$bin" ] || die "node_modules/.bin/$bin missing after npm ci"
done

# --- optional Debian packages -------------------------------------------------------------------
apt_packages=()
if [ "$want_browser" = 1 ]; then
    command -v chromium >/dev/null 2>&1 || apt_packages+=(chromium)
    command -v chromedriver >/dev/null 2>&1 || apt_packages+=(chromium-driver)
fi
if [ "$want_bench" = 1 ]; then
    command -v wrk >/dev/null 2>&1 || apt_packages+=(wrk)
fi
if [ "${#apt_packages[@]}" -gt 0 ]; then
    command -v apt-get >/dev/null 2>&1 || die "please install: ${apt_packages[*]} (no apt-get here)"
    sudo=()
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "please install as root: apt-get install ${apt_packages[*]}"
        sudo=(sudo)
    fi
    say "installing ${apt_packages[*]} (apt)"
    export DEBIAN_FRONTEND=noninteractive
    # A fresh machine often has empty package lists; update first then, else only on failure.
    if ! compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null; then
        "${sudo[@]}" apt-get update -q
    fi
    if ! "${sudo[@]}" apt-get install -y -q --no-install-recommends "${apt_packages[@]}"; then
        "${sudo[@]}" apt-get update -q
        "${sudo[@]}" apt-get install -y -q --no-install-recommends "${apt_packages[@]}"
    fi
fi

say "tools ready (worker-build $WORKER_BUILD_VERSION, wasm-bindgen $wbg_version, cache $TOOLS)"
