//! The address range a Lua state's blocks live in, placed so that Lua sees the same addresses
//! in every process.
//!
//! Lua hashes a table, function or coroutine key by the low 32 bits of its address
//! (`point2uint` in `llimits.h`), so `pairs()` over such keys visits them in an order that
//! follows where their blocks are. Blocks from the system allocator land wherever that
//! process's heap happens to be (address-space randomisation, other threads), and the order
//! changed from one run to the next. An arena starts on a 4 GiB boundary and hands out memory
//! from its start upward, so the low 32 bits of a block's address are its offset in the arena,
//! and the offsets follow from the sequence of the state's allocations alone, which the
//! scenario decides.
//!
//! The range grows in place as the state needs it (mapped on demand, so a process-wide
//! address-space limit counts what is used, not 4 GiB per state). Arenas are kept for the next
//! state of the same thread, because every boot and every deep-sleep wake makes a new state:
//! its pages are not mapped and faulted in again.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The arena's alignment and its largest size: the span of the 32 bits Lua hashes.
const SPAN: usize = 1 << 32;
/// The first place tried: above what a 64-bit process maps low (its program, the C heap) and
/// below what the kernel hands out from the top, also with a 39-bit address space.
const FIRST_PLACE: usize = 32 * SPAN;
/// Places tried before giving up.
const PLACES: usize = 256;
/// The first mapping; each growth at least doubles what is mapped.
const FIRST_MAP: usize = 1 << 20;
/// What a kept arena holds on to for the next state; more is unmapped.
const KEEP: usize = 16 << 20;
/// Arenas kept per thread.
const SPARE_ARENAS: usize = 4;

/// The next place to try, shared by every thread so that two threads do not race for one.
static NEXT_PLACE: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static SPARE: RefCell<Spare> = const { RefCell::new(Spare(Vec::new())) };
}

/// A thread's kept arenas, as `(base, mapped)`: unmapped when the thread ends.
struct Spare(Vec<(usize, usize)>);

impl Drop for Spare {
    fn drop(&mut self) {
        for &(base, mapped) in &self.0 {
            unmap(base, mapped);
        }
    }
}

/// Why no arena could be made.
#[derive(Debug, thiserror::Error)]
#[error("cannot place a Lua heap on a 4 GiB boundary (tried {PLACES} places from {FIRST_PLACE:#x})")]
pub struct NoPlace;

/// One state's address range: `[base, base + mapped)` is readable and writable, `[base,
/// base + top)` is handed out.
pub struct Arena {
    base: usize,
    mapped: usize,
    top: usize,
}

impl Arena {
    /// A kept arena of this thread, or a new one.
    pub fn new() -> Result<Arena, NoPlace> {
        if let Some((base, mapped)) = SPARE.with(|spare| spare.borrow_mut().0.pop()) {
            return Ok(Arena { base, mapped, top: 0 });
        }
        for _ in 0..PLACES {
            let place = NEXT_PLACE.fetch_add(1, Ordering::Relaxed) % PLACES;
            let base = FIRST_PLACE + place * SPAN;
            if map_at(base, FIRST_MAP) {
                return Ok(Arena { base, mapped: FIRST_MAP, top: 0 });
            }
        }
        Err(NoPlace)
    }

    /// `bytes` more memory, right after what was handed out last; `None` when the range is
    /// used up or cannot grow.
    pub fn take(&mut self, bytes: usize) -> Option<usize> {
        let top = self.top.checked_add(bytes).filter(|&t| t <= SPAN)?;
        if top > self.mapped {
            // doubling keeps growth rare; just what is needed when the system refuses that
            let doubled = top.max(self.mapped * 2).min(SPAN);
            let needed = top.next_multiple_of(FIRST_MAP).min(SPAN);
            let grown = [doubled, needed].into_iter().find(|&want| map_at(self.base + self.mapped, want - self.mapped));
            self.mapped = grown?;
        }
        let start = self.base + self.top;
        self.top = top;
        Some(start)
    }

    /// Whether `address` was handed out by this arena.
    pub fn contains(&self, address: usize) -> bool {
        (self.base..self.base + self.top).contains(&address)
    }
}

impl Drop for Arena {
    fn drop(&mut self) {
        if self.mapped > KEEP {
            unmap(self.base + KEEP, self.mapped - KEEP);
            self.mapped = KEEP;
        }
        let kept = (self.base, self.mapped);
        // At thread exit the spare list is gone or going: the range is unmapped then.
        let stored = SPARE
            .try_with(|spare| {
                let list = &mut spare.borrow_mut().0;
                let room = list.len() < SPARE_ARENAS;
                if room {
                    list.push(kept);
                }
                room
            })
            .unwrap_or(false);
        if !stored {
            unmap(kept.0, kept.1);
        }
    }
}

/// Maps `len` bytes of fresh memory exactly at `address`; false when something else is there
/// (or the system refuses).
fn map_at(address: usize, len: usize) -> bool {
    let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS;
    // SAFETY: without MAP_FIXED the address is only a hint: the kernel never replaces an
    // existing mapping, it places the new one elsewhere when the range is taken, and the
    // result is checked below. An anonymous mapping has no file or offset.
    let got =
        unsafe { libc::mmap(address as *mut libc::c_void, len, libc::PROT_READ | libc::PROT_WRITE, flags, -1, 0) };
    if got == libc::MAP_FAILED {
        return false;
    }
    if got as usize != address {
        unmap(got as usize, len);
        return false;
    }
    true
}

fn unmap(address: usize, len: usize) {
    // SAFETY: callers pass a range this module mapped and no block of it is used any more
    // (the state owning it is closed, or the mapping was just made and is refused).
    unsafe { libc::munmap(address as *mut libc::c_void, len) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_the_low_32_bits_and_a_kept_arena_starts_again_at_zero() {
        let mut arena = Arena::new().expect("a place");
        let a = arena.take(48).unwrap();
        let b = arena.take(3 << 20).unwrap(); // grows the mapping
        assert_eq!((a as u32, b as u32), (0, 48));
        // SAFETY: `b` is the start of 3 MiB just handed out and mapped.
        unsafe { std::ptr::write_bytes(b as *mut u8, 7, 3 << 20) };
        assert!(arena.contains(b + (3 << 20) - 1) && !arena.contains(b + (3 << 20)));
        drop(arena);
        let mut again = Arena::new().expect("the kept one");
        assert_eq!(again.take(16).map(|p| p as u32), Some(0));
    }

    #[test]
    fn no_more_than_the_hashed_span() {
        let mut arena = Arena::new().expect("a place");
        assert!(arena.take(SPAN + 1).is_none());
        assert_eq!(arena.take(16).map(|p| p as u32), Some(0), "a refusal hands out nothing");
    }
}
