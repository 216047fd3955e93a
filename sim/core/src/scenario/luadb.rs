//! A LuatOS project as its flasher lays it out. LuatOS's Luatools writes every file of a
//! project into one folder, `/luadb/`, whatever subfolder it sits in on the PC, and `require`
//! finds a module there by its name alone (`lua/src/loadlib.c` in openLuat/LuatOS searches
//! `/%s.lua` and `/luadb/%s.lua`). A `luatos` build mounts a scripts folder the same way, so a
//! project that keeps `mqtt/mqtt_main.lua` and does `require "mqtt_main"` runs as it is.

use std::collections::BTreeMap;

/// Two different Lua files of a project that the flasher would write to the same place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{first}` and `{second}` would both be `{name}` on the device (LuatOS's flasher puts every file \
     of a project in one folder); rename one"
)]
pub struct SameName {
    pub name: String,
    pub first: String,
    pub second: String,
}

/// The folder's files with every `.lua` file at the top, by its file name; other files keep
/// their place (scripts reach them by path, if at all). A file and a copy of it with the same
/// bytes are one file.
pub fn flatten(found: Vec<(String, Vec<u8>)>) -> Result<Vec<(String, Vec<u8>)>, SameName> {
    let mut out: BTreeMap<String, (String, Vec<u8>)> = BTreeMap::new();
    for (path, bytes) in found {
        let name = match path.rsplit_once('/') {
            Some((_, name)) if name.ends_with(".lua") => name.to_string(),
            _ => path.clone(),
        };
        match out.get(&name) {
            Some((first, kept)) if *kept != bytes => {
                let (first, second) = (first.clone(), path);
                return Err(SameName { name, first, second });
            }
            Some(_) => {}
            None => {
                out.insert(name, (path, bytes));
            }
        }
    }
    Ok(out.into_iter().map(|(name, (_, bytes))| (name, bytes)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> (String, Vec<u8>) {
        (path.to_string(), text.as_bytes().to_vec())
    }

    #[test]
    fn lua_files_of_subfolders_come_to_the_top_and_the_rest_stay() {
        let found = vec![
            file("main.lua", "require 'mqtt_main'"),
            file("mqtt/mqtt_main.lua", "return 1"),
            file("mqtt/readme.md", "notes"),
            file("lib/deep/util.lua", "return 2"),
        ];
        let names: Vec<String> = flatten(found).unwrap().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["main.lua", "mqtt/readme.md", "mqtt_main.lua", "util.lua"]);
    }

    #[test]
    fn two_different_files_of_one_name_are_refused_and_copies_are_one() {
        let same = vec![file("a/x.lua", "return 1"), file("b/x.lua", "return 1")];
        assert_eq!(flatten(same).unwrap(), vec![file("x.lua", "return 1")]);
        let clash = vec![file("a/x.lua", "return 1"), file("b/x.lua", "return 2")];
        let e = flatten(clash).unwrap_err();
        assert_eq!((e.first.as_str(), e.second.as_str(), e.name.as_str()), ("a/x.lua", "b/x.lua", "x.lua"));
        assert!(e.to_string().contains("would both be `x.lua` on the device"), "{e}");
    }
}
