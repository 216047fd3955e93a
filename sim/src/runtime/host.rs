//! What the firmware keeps outside every Lua state: the `World`, and the Lua states that are
//! still alive, by generation.
//!
//! Each Lua state carries an `Rc<Host>` as app data, so bindings of any state reach the one
//! World. Normally only the current generation is alive; with `naive_reload` the old states are
//! kept (as the seed's buggy firmware did) and their callbacks can still be called.

use crate::world::World;
use mlua::{Lua, WeakLua};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Compiled chunks by chunk name, then exact source → bytecode. Looked up at every boot, so a
/// lookup copies nothing.
type ChunkCache = BTreeMap<String, Vec<(Vec<u8>, Rc<[u8]>)>>;

pub struct Host {
    world: RefCell<World>,
    states: RefCell<BTreeMap<u32, WeakLua>>,
    /// Bytecode of every chunk compiled so far, by chunk name and exact source.
    chunks: RefCell<ChunkCache>,
}

impl Host {
    pub fn new(world: World) -> Rc<Host> {
        Rc::new(Host {
            world: RefCell::new(world),
            states: RefCell::new(BTreeMap::new()),
            chunks: RefCell::new(BTreeMap::new()),
        })
    }

    /// Runs `f` with the world borrowed; `f` must not call into Lua.
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let mut world = self.world.borrow_mut();
        crate::hostlimit::beat(world.clock.now());
        f(&mut world)
    }

    /// Registers the state of a generation so callbacks made in it can be found.
    pub fn add_state(&self, generation: u32, lua: &Lua) {
        self.states.borrow_mut().insert(generation, lua.weak());
    }

    /// The live state of `generation`, if it has not been torn down.
    pub fn state(&self, generation: u32) -> Option<Lua> {
        self.states.borrow().get(&generation).and_then(WeakLua::try_upgrade)
    }

    /// Bytecode of `source` compiled as `name` earlier in this run.
    pub fn cached_chunk(&self, name: &str, source: &[u8]) -> Option<Rc<[u8]>> {
        let chunks = self.chunks.borrow();
        let versions = chunks.get(name)?;
        versions.iter().find(|(text, _)| text.as_slice() == source).map(|(_, bytecode)| bytecode.clone())
    }

    pub fn keep_chunk(&self, name: &str, source: &[u8], bytecode: Vec<u8>) {
        self.chunks.borrow_mut().entry(name.to_string()).or_default().push((source.to_vec(), bytecode.into()));
    }

    /// Forgets states that have been dropped.
    pub fn prune_states(&self) {
        self.states.borrow_mut().retain(|_, weak| weak.try_upgrade().is_some());
    }

    pub fn into_world(self: Rc<Host>) -> World {
        match Rc::try_unwrap(self) {
            Ok(host) => host.world.into_inner(),
            Err(_) => panic!("a Lua state outlived the run"),
        }
    }
}

/// The host of the state `lua`.
pub fn host(lua: &Lua) -> Rc<Host> {
    lua.app_data_ref::<Rc<Host>>().expect("every device Lua state carries its host").clone()
}

/// Runs `f` with the world of the state `lua`; `f` must not call into Lua.
pub fn with_world<R>(lua: &Lua, f: impl FnOnce(&mut World) -> R) -> R {
    host(lua).with_world(f)
}
