#!/usr/bin/env bash
# firmware-shim/build.sh: builds the QEMU firmware (target/firmware/firmware-qemu-virt.elf).
#
# Locates FreeRTOS-Kernel (crate `freertos-next`) and Lua (crate `lua-src`) through
# `cargo metadata`, so Cargo.lock pins both and the device runs the very Lua release the
# simulator is built from; reads the Lua defines from lua/device-lua-defines.txt, as sim/core/build.rs does, so both
# builds use the same LUAI_MAXCCALLS, string-hash seed and sort pivot; then runs make. Needs
# gcc-riscv64-unknown-elf and picolibc-riscv64-unknown-elf (ci/crosscheck.sh installs them).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
cd "$repo"

cargo fetch --quiet
metadata=$(cargo metadata --format-version 1)

# manifest_path of the one package called $1 in the lockfile.
manifest_of() {
    local paths
    if command -v jq >/dev/null; then
        paths=$(jq -r --arg n "$1" '.packages[] | select(.name == $n) | .manifest_path' <<<"$metadata")
    else
        paths=$(python3 -c 'import json,sys; n=sys.argv[1]; [print(p["manifest_path"]) for p in json.load(sys.stdin)["packages"] if p["name"]==n]' "$1" <<<"$metadata")
    fi
    if [ "$(printf '%s\n' "$paths" | grep -c .)" != 1 ]; then
        echo "build.sh: expected exactly one '$1' package in cargo metadata, got: $paths" >&2
        exit 2
    fi
    printf '%s\n' "$paths"
}

freertos_dir="$(dirname "$(manifest_of freertos-next)")/FreeRTOS-Kernel"
lua_crate="$(dirname "$(manifest_of lua-src)")"
lua_dirs=("$lua_crate"/lua-5.4.*)
if [ "${#lua_dirs[@]}" != 1 ] || [ ! -f "${lua_dirs[0]}/lua.h" ]; then
    echo "build.sh: expected one lua-5.4.x directory in $lua_crate" >&2
    exit 2
fi
lua_dir="${lua_dirs[0]}"

# The device's Lua defines, one a line in lua/device-lua-defines.txt (the list sim/core/build.rs
# compiles the simulator's Lua with); each single-quoted for make's shell.
lua_defines=""
while read -r word; do
    case "$word" in ''|'#'*) continue ;; esac
    lua_defines+=" '$word'"
done < lua/device-lua-defines.txt
if [ -z "$lua_defines" ]; then
    echo "build.sh: no defines in lua/device-lua-defines.txt" >&2
    exit 2
fi

out="$repo/target/firmware"
echo "build.sh: FreeRTOS $(sed -n 's/.*tskKERNEL_VERSION_NUMBER *"\(.*\)"/\1/p' "$freertos_dir/include/task.h") from $freertos_dir"
echo "build.sh: Lua from $lua_dir"
echo "build.sh: Lua defines:$lua_defines"
make -C "$here" -j"$(nproc)" --no-print-directory \
    REPO="$repo" OUT="$out" FREERTOS_DIR="$freertos_dir" LUA_DIR="$lua_dir" LUA_DEFINES="$lua_defines" "$@"
