#!/usr/bin/env bash
# ci/install-check.sh: luasim installed the ways users install it is still the device's Lua.
#
# Clones the committed repository through a file:// URL into a temporary folder and installs
# luasim from it twice, as a user outside this workspace would: `cargo install --path` and
# `cargo install --git`, each into its own root (one shared target folder, so the second install
# reuses the first one's compiled dependencies). Then, from a folder outside the repository, runs
# the scenario that prints what a script sees of the Lua build (`pairs()` order over 40 string
# keys, the nested-pcall depth of the C stack, table.sort's order of equal elements) twice with
# each installed binary and once with the repository's own build, and requires the traces to be
# byte-identical. Last, it builds luasim with other Lua defines and requires that build to refuse
# to run (exit 2, one line).
#
# Usage: bash ci/install-check.sh [REPO_LUASIM]   (default: target/debug/luasim, built if absent)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
reference=${1:-target/debug/luasim}
[ -x "$reference" ] || cargo build --quiet --bin luasim
reference=$(realpath "$reference")
scratch=$(mktemp -d /tmp/luasim-install.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
export CARGO_TARGET_DIR="$scratch/target"

git clone --quiet "file://$repo" "$scratch/src"
echo "install-check: cargo install --path (commit $(git -C "$scratch/src" rev-parse --short HEAD))"
cargo install --quiet --locked --path "$scratch/src/sim" --root "$scratch/path-root"
echo "install-check: cargo install --git file://"
cargo install --quiet --locked --git "file://$scratch/src" luasim --root "$scratch/git-root"

scenario="$scratch/src/scenarios/crosscheck/device_lua_build.yaml"
# The trace: every line before the summary's blank line (the summary has wall-clock figures).
trace_of() {
    (cd "$scratch" && "$1" run "$scenario" >"$scratch/full.txt")
    sed '/^$/q' "$scratch/full.txt"
}
trace_of "$reference" >"$scratch/reference.txt"
grep -q "pcall depth" "$scratch/reference.txt"
status=0
for binary in "$scratch/path-root/bin/luasim" "$scratch/git-root/bin/luasim"; do
    for run in 1 2; do
        trace_of "$binary" >"$scratch/installed.txt"
        if ! cmp -s "$scratch/installed.txt" "$scratch/reference.txt"; then
            echo "install-check: FAIL: $binary (run $run) traces differently from the repository's build:" >&2
            diff "$scratch/installed.txt" "$scratch/reference.txt" >&2 || true
            status=1
        fi
    done
done
[ "$status" = 0 ] && echo "install-check: both installs trace byte-identically to the repository's build, in 2 processes each"

echo "install-check: a build with the stock Lua defines must refuse to run"
: >"$scratch/no-defines.txt"
LUASIM_TEST_OTHER_LUA_DEFINES="$scratch/no-defines.txt" \
    cargo build --quiet --release --manifest-path "$scratch/src/Cargo.toml" --bin luasim
set +e
message=$(cd "$scratch" && "$CARGO_TARGET_DIR/release/luasim" run 2>&1 >/dev/null)
code=$?
set -e
if [ "$code" != 2 ] || [ "$(printf '%s\n' "$message" | wc -l)" != 1 ] || [[ "$message" != *"refusing to run"* ]]; then
    echo "install-check: FAIL: a build without the device's defines exited $code with: $message" >&2
    status=1
else
    echo "install-check: refused as it should: $message"
fi
exit "$status"
