//! Builds the device's Lua for the simulator, with the defines the firmware's Lua has.
//!
//! mlua's own `vendored` build takes its C flags from the environment only, so the defines
//! lived in this repository's `.cargo/config.toml`, which `cargo install --git` and a build from
//! another workspace never read: such a build had a random string-hash seed and the stock C-call
//! limit. Here mlua-sys is `external` and this script compiles the `lua-src` crate's sources
//! itself, with `lua/device-lua-defines.txt` (the one list the firmware build reads too) appended
//! to the target's C flags, however luasim is built.

use std::env;
use std::path::{Path, PathBuf};

/// The list of defines, relative to this crate.
const DEFINES: &str = "../../lua/device-lua-defines.txt";
/// Another list in place of it: only for proving that a build without the device's defines
/// refuses to run (`ci/install-check.sh`).
const OTHER_DEFINES: &str = "LUASIM_TEST_OTHER_LUA_DEFINES";

fn main() {
    println!("cargo:rerun-if-changed={DEFINES}");
    println!("cargo:rerun-if-env-changed={OTHER_DEFINES}");
    let defines = device_defines();
    let target = env::var("TARGET").expect("cargo sets TARGET for build scripts");
    // cc reads CFLAGS, TARGET_CFLAGS and CFLAGS_<target> and gives the last the final word: the
    // device's defines go at the end of that one, after whatever the user set.
    let variable = format!("CFLAGS_{target}");
    println!("cargo:rerun-if-env-changed={variable}");
    let user = env::var(&variable).unwrap_or_default();
    env::set_var(&variable, format!("{user} {}", defines.join(" ")));
    let mut build = lua_src::Build::new();
    // Dependencies are optimised in debug builds too (the workspace's `profile.dev.package."*"`),
    // and so was the vendored Lua: a debug build of the simulator keeps an optimised Lua.
    if env::var("OPT_LEVEL").as_deref() == Ok("0") {
        build.opt_level("2");
    }
    build.build(version()).print_cargo_metadata();
    println!("cargo:rustc-env=LUASIM_LUA_DEFINES={}", defines.join(" "));
}

/// The Lua release the crate's features select.
fn version() -> lua_src::Version {
    let on = |feature: &str| env::var_os(format!("CARGO_FEATURE_{feature}")).is_some();
    match (on("LUA53"), on("LUA54"), on("LUA55")) {
        (true, false, false) => lua_src::Lua53,
        (false, true, false) => lua_src::Lua54,
        (false, false, true) => lua_src::Lua55,
        _ => panic!("luasim: enable exactly one of the features lua53, lua54, lua55"),
    }
}

/// Every define of the list, in order.
fn device_defines() -> Vec<String> {
    let path = match env::var_os(OTHER_DEFINES) {
        Some(other) => PathBuf::from(other),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFINES),
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string).collect()
}
