#!/usr/bin/env bash
# Checks `luasim api --luals` with a real Lua checker: EmmyLua's `emmylua_check` (crates.io),
# installed into target/tools unless one is on PATH. The bundled examples must check clean
# against the definitions and a misspelled binding (`MQTT.pubish`) must be an undefined field
# (tests/tests/editor_defs.rs, which fails here rather than skips without the checker).
#
# Not run by .ci/run: building emmylua_check took 13.5 min of wall time (5.3 min of CPU) on the
# 2-core machine while other builds shared it, over the 3 minutes CI may spend on this. Once
# installed, the check itself takes under a second.
set -euo pipefail
cd "$(dirname "$0")/.."

version=0.25.1
checker=$(command -v emmylua_check || true)
if [ -z "$checker" ]; then
  checker=target/tools/bin/emmylua_check
  if [ ! -x "$checker" ] || ! "$checker" --version | grep -q "$version"; then
    cargo install --quiet --locked --root target/tools --version "$version" emmylua_check
  fi
fi
"$checker" --version
LUASIM_REQUIRE_EMMYLUA=1 LUASIM_EMMYLUA="$(realpath "$checker")" \
  cargo test -p luasim-tests --test editor_defs
