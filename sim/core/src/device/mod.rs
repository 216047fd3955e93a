//! The device a Lua state runs on, as the state reaches it: what the firmware keeps outside
//! every Lua state (the `World`, and the Lua states that are still alive, by generation) and
//! the task watchdog. A layer under both the runtime and the bindings.
//!
//! Each Lua state carries an `Rc<Device>` as app data, so bindings of any state reach the one
//! World. Normally only the current generation is alive; with `naive_reload` the old states are
//! kept (as the seed's buggy firmware did) and their callbacks can still be called.

pub mod coverage;
pub mod mock;
pub mod watchdog;

use crate::memory;
use crate::runtime::CompiledChunk;
use crate::world::World;
use coverage::Coverage;
use memory::HeapProbe;
use mlua::{Lua, WeakLua};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

/// Compiled chunks by chunk name, then exact source → the chunk. Looked up at every boot, so a
/// lookup copies nothing.
type ChunkCache = BTreeMap<String, Vec<(Vec<u8>, Rc<CompiledChunk>)>>;

pub struct Device {
    world: RefCell<World>,
    states: RefCell<BTreeMap<u32, WeakLua>>,
    /// Bytecode of every chunk compiled so far, by chunk name and exact source.
    chunks: RefCell<ChunkCache>,
    /// Line coverage of the scripts, when the run asked for it.
    coverage: RefCell<Option<Coverage>>,
    /// This boot's mocks of the project's own modules, by module name (`runtime::mocks`): a
    /// firmware-side Lua state each, or why it did not load. Kept across reloads, replaced at
    /// every boot, as the firmware's C state in main RAM would be.
    mocks: RefCell<BTreeMap<String, Result<memory::DeviceState, mock::MockError>>>,
    /// The heap of the generation running now, read at each world access for the trace's
    /// samples (`watch_heap`).
    heap: Cell<Option<HeapProbe>>,
}

/// While alive, the device samples the heap of one state (`Device::watch_heap`); dropped
/// before the state closes, it says the heap is gone.
pub struct HeapWatch<'a>(&'a Device);

impl Drop for HeapWatch<'_> {
    fn drop(&mut self) {
        self.0.heap.set(None);
        if let Ok(mut world) = self.0.world.try_borrow_mut() {
            world.heap_gone();
        }
    }
}

impl Device {
    pub fn new(world: World) -> Rc<Device> {
        Rc::new(Device {
            world: RefCell::new(world),
            states: RefCell::new(BTreeMap::new()),
            chunks: RefCell::new(BTreeMap::new()),
            coverage: RefCell::new(None),
            mocks: RefCell::new(BTreeMap::new()),
            heap: Cell::new(None),
        })
    }

    /// Runs `f` with the world borrowed; `f` must not call into Lua.
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let mut world = self.world.borrow_mut();
        crate::hostlimit::beat(world.clock().now());
        if let Some(probe) = self.heap.get() {
            let (used, most) = probe.level();
            world.see_heap(used, most);
        }
        f(&mut world)
    }

    /// Counts line coverage of the scripts from now on.
    pub fn start_coverage(&self) {
        self.coverage.replace(Some(Coverage::default()));
    }

    pub fn covering(&self) -> bool {
        self.coverage.borrow().is_some()
    }

    /// Runs `f` on the coverage counts, if they are kept.
    pub fn with_coverage(&self, f: impl FnOnce(&mut Coverage)) {
        if let Some(coverage) = self.coverage.borrow_mut().as_mut() {
            f(coverage);
        }
    }

    pub fn take_coverage(&self) -> Option<Coverage> {
        self.coverage.take()
    }

    /// The mocks of a new boot (the old ones are dropped).
    pub fn set_mocks(&self, mocks: BTreeMap<String, Result<memory::DeviceState, mock::MockError>>) {
        self.mocks.replace(mocks);
    }

    /// The mock state of `module`, or why it did not load; `None` for a module without a mock.
    pub fn mock(&self, module: &str) -> Option<Result<Lua, mock::MockError>> {
        let mocks = self.mocks.borrow();
        let mock = mocks.get(module)?;
        Some(mock.as_ref().map(|state| Lua::clone(&state.lua)).map_err(Clone::clone))
    }

    /// Samples the heap of `lua`, the generation that runs now, until the watch drops, which
    /// must be before `lua` closes.
    pub fn watch_heap(&self, lua: &Lua) -> HeapWatch<'_> {
        self.heap.set(memory::probe(lua));
        HeapWatch(self)
    }

    /// Registers the state of a generation so callbacks made in it can be found.
    pub fn add_state(&self, generation: u32, lua: &Lua) {
        self.states.borrow_mut().insert(generation, lua.weak());
    }

    /// The live state of `generation`, if it has not been torn down.
    pub fn state(&self, generation: u32) -> Option<Lua> {
        self.states.borrow().get(&generation).and_then(WeakLua::try_upgrade)
    }

    /// `source` compiled as `name` earlier in this run.
    pub fn cached_chunk(&self, name: &str, source: &[u8]) -> Option<Rc<CompiledChunk>> {
        let chunks = self.chunks.borrow();
        let versions = chunks.get(name)?;
        versions.iter().find(|(text, _)| text.as_slice() == source).map(|(_, chunk)| chunk.clone())
    }

    pub fn keep_chunk(&self, name: &str, source: &[u8], chunk: CompiledChunk) {
        self.chunks.borrow_mut().entry(name.to_string()).or_default().push((source.to_vec(), Rc::new(chunk)));
    }

    /// Forgets states that have been dropped.
    pub fn prune_states(&self) {
        self.states.borrow_mut().retain(|_, weak| weak.try_upgrade().is_some());
    }

    pub fn into_world(self: Rc<Device>) -> World {
        self.mocks.take();
        match Rc::try_unwrap(self) {
            Ok(device) => device.world.into_inner(),
            Err(_) => panic!("a Lua state outlived the run"),
        }
    }
}

/// The device of the state `lua`.
pub fn device(lua: &Lua) -> Rc<Device> {
    lua.app_data_ref::<Rc<Device>>().expect("every device Lua state carries its device").clone()
}

/// Runs `f` with the world of the state `lua`; `f` must not call into Lua.
pub fn with_world<R>(lua: &Lua, f: impl FnOnce(&mut World) -> R) -> R {
    device(lua).with_world(f)
}

/// After an error of `what`: when it is Lua running out of memory, notes the script line the
/// allocator refused at (the error itself carries no traceback).
pub fn note_out_of_memory(lua: &Lua, what: &str, message: &str) {
    let Some(line) = memory::take_refusal(lua) else { return };
    if message.contains("not enough memory") {
        with_world(lua, |w| w.note_out_of_memory(what, line));
    }
}
