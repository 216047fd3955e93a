//! Names the commit `luasim --version` reports, as `LUASIM_COMMIT` (and in full, for the pin
//! `luasim init` writes into a project's CI workflow, as `LUASIM_COMMIT_FULL`): the commit cargo recorded in
//! `.cargo_vcs_info.json` when the crate is built from a published package, `git rev-parse
//! --short HEAD` when it is built in its own git checkout, else `unknown`. Nothing here
//! can fail the build: no git, no repository, or a repository that is not luasim's (a package
//! unpacked inside someone's home folder under git) all give an answer.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let crate_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=build.rs");
    let full = packaged_commit(&crate_dir).or_else(|| checkout_commit(&crate_dir)).unwrap_or_else(|| "unknown".into());
    let short = if full == "unknown" { full.clone() } else { full.chars().take(7).collect() };
    println!("cargo:rustc-env=LUASIM_COMMIT={short}");
    println!("cargo:rustc-env=LUASIM_COMMIT_FULL={full}");
}

/// `git` in `dir`, its output when it succeeds.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git").arg("-C").arg(dir).args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

/// The commit checked out, when this crate sits in luasim's repository (its folder is `sim/` of
/// the repository, where a packaged copy would be `luasim-VERSION/`), and the files whose change
/// means another commit.
fn checkout_commit(crate_dir: &Path) -> Option<String> {
    if git(crate_dir, &["rev-parse", "--show-prefix"])? != "sim/" {
        return None;
    }
    let commit = git(crate_dir, &["rev-parse", "HEAD"])?;
    // HEAD names the branch; the branch's ref (loose or packed) names the commit.
    let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
    watched.extend(git(crate_dir, &["symbolic-ref", "-q", "HEAD"]));
    for name in watched {
        if let Some(path) = git(crate_dir, &["rev-parse", "--git-path", &name]) {
            let path = crate_dir.join(path);
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    Some(commit)
}

/// The commit `cargo package` recorded (`{"git": {"sha1": "…"}}`).
fn packaged_commit(crate_dir: &Path) -> Option<String> {
    let info = std::fs::read_to_string(crate_dir.join(".cargo_vcs_info.json")).ok()?;
    let after = &info[info.find("\"sha1\"")? + "\"sha1\"".len()..];
    let hex: String = after.trim_start_matches([' ', ':', '"']).chars().take_while(char::is_ascii_hexdigit).collect();
    (hex.len() >= 7).then_some(hex)
}
