//! Builds the device's Lua for the simulator, with the defines the firmware's Lua has.
//!
//! mlua's own `vendored` build takes its C flags from the environment only, so the defines
//! lived in this repository's `.cargo/config.toml`, which `cargo install --git` and a build from
//! another workspace never read: such a build had a random string-hash seed and the stock C-call
//! limit. Here mlua-sys is `external` and this script compiles the `lua-src` crate's sources
//! itself, with `lua/device-lua-defines.txt` (the one list the firmware build reads too) appended
//! to the target's C flags, however luasim is built.
//!
//! With Lua 5.4 it also compiles the C files that need Lua's internal headers, the sleepy-task
//! persister (`lua/persist/persist.c`), the collector's debt correction
//! (`src/memory/gc_debt.c`) and the registry's layout (`src/memory/registry.c`), against the same `lua-5.4.x` directory of the `lua-src` crate, found
//! in Cargo's registry by the headers `lua-src` copied (or `LUASIM_LUA_SRC_DIR`).

use std::env;
use std::path::{Path, PathBuf};

/// The list of defines, relative to this crate.
const DEFINES: &str = "../../lua/device-lua-defines.txt";
/// The persister, compiled with Lua 5.4 only.
const PERSIST: &str = "../../lua/persist";
/// The collector's debt correction, compiled with Lua 5.4 only.
const GC_DEBT: &str = "src/memory/gc_debt.c";
/// Where the registry's blocks are and which of its keys the device has, Lua 5.4 only.
const REGISTRY: &str = "src/memory/registry.c";
/// The `lua-5.4.x` source directory, when it is not in Cargo's registry (a vendored build).
const LUA_SRC_DIR: &str = "LUASIM_LUA_SRC_DIR";
/// Another list in place of it: only for proving that a build without the device's defines
/// refuses to run (`ci/install-check.sh`).
const OTHER_DEFINES: &str = "LUASIM_TEST_OTHER_LUA_DEFINES";

fn main() {
    println!("cargo:rerun-if-changed={DEFINES}");
    println!("cargo:rerun-if-env-changed={OTHER_DEFINES}");
    println!("cargo:rerun-if-env-changed={LUA_SRC_DIR}");
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
    let version = version();
    let lua54 = version == lua_src::Lua54;
    let artifacts = build.build(version);
    artifacts.print_cargo_metadata();
    if lua54 {
        let lua_dir = lua_source_dir(artifacts.include_dir());
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        println!("cargo:rerun-if-changed={PERSIST}");
        println!("cargo:rerun-if-changed={GC_DEBT}");
        println!("cargo:rerun-if-changed={REGISTRY}");
        let persist = here.join(PERSIST);
        build_on_lua_internals(&defines, &lua_dir, &persist.join("persist.c"), Some(&persist), "luasim_persist");
        build_on_lua_internals(&defines, &lua_dir, &here.join(GC_DEBT), None, "luasim_gc_debt");
        build_on_lua_internals(&defines, &lua_dir, &here.join(REGISTRY), None, "luasim_registry");
    }
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

/// Compiles one C file that reads Lua's internals against the Lua 5.4 sources, with the same
/// defines, into the library `name`.
fn build_on_lua_internals(defines: &[String], lua_dir: &Path, file: &Path, include: Option<&Path>, name: &str) {
    let mut cc = cc::Build::new();
    cc.file(file).include(lua_dir).define("LUA_COMPAT_5_3", None);
    if let Some(dir) = include {
        cc.include(dir);
    }
    if env::var("OPT_LEVEL").as_deref() == Ok("0") {
        cc.opt_level(2);
    }
    for define in defines {
        cc.flag(define);
    }
    cc.warnings(true).extra_warnings(true).flag_if_supported("-Wno-unused-parameter").compile(name);
}

/// The `lua-5.4.x` directory of the `lua-src` crate this build compiled Lua from: among the
/// `lua-src` sources in Cargo's registry, the one whose `lua.h` and `luaconf.h` are the very
/// files `lua-src` copied into `include` (`LUASIM_LUA_SRC_DIR` names it for vendored builds).
/// Matching the bytes, not a version number, keeps the persister on the same headers as the
/// Lua it reads, whichever `lua-src` release the build resolved.
fn lua_source_dir(include: &Path) -> PathBuf {
    if let Some(dir) = env::var_os(LUA_SRC_DIR) {
        return PathBuf::from(dir);
    }
    let wanted: Vec<Vec<u8>> = ["lua.h", "luaconf.h"]
        .iter()
        .map(|f| std::fs::read(include.join(f)).unwrap_or_else(|e| panic!("lua-src copied no {f}: {e}")))
        .collect();
    let home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .expect("CARGO_HOME or HOME is set");
    let registry = home.join("registry/src");
    let dirs = |path: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(path).into_iter().flatten().flatten().map(|e| e.path()).collect()
    };
    let same = |dir: &Path| {
        ["lua.h", "luaconf.h"].iter().zip(&wanted).all(|(f, w)| std::fs::read(dir.join(f)).is_ok_and(|b| &b == w))
    };
    let mut found: Vec<PathBuf> = dirs(&registry)
        .iter()
        .flat_map(|index| dirs(index))
        .filter(|krate| krate.file_name().is_some_and(|n| n.to_string_lossy().starts_with("lua-src-")))
        .flat_map(|krate| dirs(&krate))
        .filter(|d| d.file_name().is_some_and(|n| n.to_string_lossy().starts_with("lua-5.4.")))
        .filter(|d| d.join("lstate.h").exists() && same(d))
        .collect();
    found.sort();
    found.pop().unwrap_or_else(|| {
        panic!("no lua-src sources matching the Lua just built under {}; set {LUA_SRC_DIR}", registry.display())
    })
}
