//! Is the Lua this binary was built with the device's Lua? A start-up self-check.
//!
//! Determinism and fidelity rest on three defines the firmware's Lua is built with
//! (`lua/device-lua-defines.txt`): a fixed string-hash seed (`pairs()` order), the device's
//! C-call depth limit, and a fixed `table.sort` pivot. `sim/core/build.rs` applies them however luasim
//! is built; this module proves at start-up that they took effect, by what a script can observe:
//! the `pairs()` order of 40 string keys, the depth at which nested `pcall`s overflow the C stack,
//! and the order `table.sort` leaves equal elements of a 300-element array in. Each is compared
//! with the device's figure for the Lua release built. A build that differs refuses to run, with
//! one line saying what differs.

use mlua::Lua;

/// The probe: calls `report(name, value)` for each observation.
const PROBE: &str = include_str!("../../../../lua/device-lua-probe/main.lua");

/// What the probe saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub pairs_order: String,
    pub c_call_depth: i64,
    pub sort_order: String,
}

/// A way in which this build's Lua is not the device's.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NotTheDeviceLua {
    #[error("the self-check script failed: {0}")]
    Probe(String),
    #[error(
        "nested pcalls overflow the C stack at depth {seen}, the device's at {device}: Lua was built without LUAI_MAXCCALLS=64"
    )]
    CCallLimit { seen: i64, device: i64 },
    #[error("pairs() order is not the device's: Lua was built without the fixed string-hash seed (luai_makeseed)")]
    HashSeed,
    #[error(
        "table.sort orders equal elements unlike the device: Lua was built without the fixed pivot (l_randomizePivot)"
    )]
    SortPivot,
}

/// Runs the probe in a fresh state of the Lua this binary links.
pub fn observe() -> Result<Observed, NotTheDeviceLua> {
    let lua = Lua::new();
    let probe = |lua: &Lua| -> mlua::Result<Observed> {
        let seen = lua.create_table()?;
        let report = lua.create_function({
            let seen = seen.clone();
            move |_, (name, value): (String, String)| seen.set(name, value)
        })?;
        lua.globals().set("report", report)?;
        lua.load(PROBE).set_name("device-lua-probe").exec()?;
        Ok(Observed {
            pairs_order: seen.get("pairs")?,
            c_call_depth: seen.get::<String>("pcall depth")?.parse().map_err(mlua::Error::external)?,
            sort_order: seen.get("sort")?,
        })
    };
    probe(&lua).map_err(|e| NotTheDeviceLua::Probe(e.to_string()))
}

/// Checks the build once: `Ok` when this is the device's Lua.
pub fn self_check() -> Result<(), NotTheDeviceLua> {
    judge(&observe()?, &DEVICE)
}

/// Compares what was seen with what the device shows.
pub fn judge(seen: &Observed, device: &Device) -> Result<(), NotTheDeviceLua> {
    if seen.c_call_depth != device.c_call_depth {
        return Err(NotTheDeviceLua::CCallLimit { seen: seen.c_call_depth, device: device.c_call_depth });
    }
    if device.pairs_order.is_some_and(|order| order != seen.pairs_order) {
        return Err(NotTheDeviceLua::HashSeed);
    }
    if seen.sort_order != device.sort_order {
        return Err(NotTheDeviceLua::SortPivot);
    }
    Ok(())
}

/// The device's observations for one Lua release.
pub struct Device {
    /// `None` where no define can fix the seed (Lua 5.3 mixes addresses into it).
    pub pairs_order: Option<&'static str>,
    pub c_call_depth: i64,
    pub sort_order: &'static str,
}

/// The device's figures, measured on this repository's build of each release with the defines;
/// the `device_lua_build` cross-check scenario shows the firmware's Lua 5.4 sees the same.
const DEVICE: Device = Device {
    pairs_order: PAIRS_ORDER,
    c_call_depth: 63,
    sort_order:
        "49,252,84,7,147,204,99,50,22,170,163,58,86,290,171,108,24,80,53,207,158,123,26,243,96,152,125,181,244,265",
};

#[cfg(feature = "lua54")]
const PAIRS_ORDER: Option<&str> = Some(
    "k22,k26,k23,k27,k28,k20,k24,k29,k7,k21,k5,k2,k25,k12,k32,k36,k16,k13,k40,k33,k39,k37,k9,k17,k30,k19,k10,k18,k14,k38,k34,k8,k6,k31,k4,k11,k3,k15,k1,k35",
);
/// Lua 5.3 mixes heap and stack addresses into its seed, and mlua draws Lua 5.5's from the
/// operating system: no define fixes either (README, "Determinism").
#[cfg(not(feature = "lua54"))]
const PAIRS_ORDER: Option<&str> = None;

#[cfg(test)]
mod tests {
    use super::*;

    fn device_like() -> Observed {
        Observed { pairs_order: "k2,k1".into(), c_call_depth: 63, sort_order: "3,1,2".into() }
    }

    const TWO_KEYS: Device = Device { pairs_order: Some("k2,k1"), c_call_depth: 63, sort_order: "3,1,2" };

    #[test]
    fn each_difference_is_named() {
        assert_eq!(judge(&device_like(), &TWO_KEYS), Ok(()));
        let stock_limit = Observed { c_call_depth: 199, ..device_like() };
        assert_eq!(judge(&stock_limit, &TWO_KEYS), Err(NotTheDeviceLua::CCallLimit { seen: 199, device: 63 }));
        let random_seed = Observed { pairs_order: "k1,k2".into(), ..device_like() };
        assert_eq!(judge(&random_seed, &TWO_KEYS), Err(NotTheDeviceLua::HashSeed));
        let no_seed_check = Device { pairs_order: None, ..TWO_KEYS };
        assert_eq!(judge(&random_seed, &no_seed_check), Ok(()));
        let random_pivot = Observed { sort_order: "1,3,2".into(), ..device_like() };
        assert_eq!(judge(&random_pivot, &TWO_KEYS), Err(NotTheDeviceLua::SortPivot));
    }

    #[test]
    fn the_message_is_one_line() {
        let e = NotTheDeviceLua::CCallLimit { seen: 199, device: 63 };
        assert!(!e.to_string().contains('\n'));
    }
}
