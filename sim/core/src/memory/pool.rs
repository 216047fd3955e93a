//! The memory a Lua state's blocks live in, owned by that state and dropped with it.
//!
//! A device state lives for one boot and makes thousands of small allocations (strings,
//! tables, closures, bytecode while `sys.lua` loads), most of which it frees again when it
//! closes. The system allocator spent a third of a one-minute wake on them, so blocks of up to
//! `SMALL_MAX` bytes come from size classes of 16 bytes carved out of 64 KB chunks, with one
//! free list per class; larger blocks are spans fitted into the free space between others
//! (the smallest that fits, neighbours merged when freed). Chunks and spans come from the
//! state's `Arena`, so where each block lands follows from the state's own allocations only
//! (`arena.rs` says why Lua needs that). Every block carries one word in front of it for its
//! owner (the heap accounts keep its device size there).

use super::arena::{Arena, NoPlace};
use std::collections::{BTreeMap, BTreeSet};
use std::ptr::null_mut;

/// Bytes in front of every block: its owner's word, and alignment.
const HEADER: usize = 16;
/// Size classes are multiples of this.
const GRAIN: usize = 16;
/// The largest request served from the size classes.
const SMALL_MAX: usize = 1024 - HEADER;
const CLASSES: usize = (SMALL_MAX + HEADER) / GRAIN + 1;
const CHUNK: usize = 64 * 1024;

/// The block memory of one Lua state. Pointers it hands out point after the header.
pub struct Pool {
    arena: Arena,
    /// The unused end of the newest chunk.
    bump: usize,
    bump_end: usize,
    /// Heads of the free lists, by class; a free block holds the next one's address.
    free: [usize; CLASSES],
    /// Large blocks in use: start of the header -> the size asked for (its span is `span_of`).
    large: BTreeMap<usize, usize>,
    /// Free spans between large blocks, by start -> bytes, and the same as (bytes, start) to
    /// find the smallest that fits.
    spans: BTreeMap<usize, usize>,
    spans_by_size: BTreeSet<(usize, usize)>,
}

fn class_of(size: usize) -> usize {
    (size + HEADER).div_ceil(GRAIN)
}

/// Bytes of the span a large block of `size` bytes takes.
fn span_of(size: usize) -> Option<usize> {
    size.checked_add(HEADER)?.checked_next_multiple_of(GRAIN)
}

impl Pool {
    pub fn new() -> Result<Pool, NoPlace> {
        Ok(Pool {
            arena: Arena::new()?,
            bump: 0,
            bump_end: 0,
            free: [0; CLASSES],
            large: BTreeMap::new(),
            spans: BTreeMap::new(),
            spans_by_size: BTreeSet::new(),
        })
    }

    /// A block of `size` bytes (16-byte aligned), or null when the system is out of memory.
    pub fn alloc(&mut self, size: usize) -> *mut u8 {
        if size > SMALL_MAX {
            let Some(bytes) = span_of(size) else { return null_mut() };
            let Some(start) = self.take_span(bytes) else { return null_mut() };
            self.large.insert(start, size);
            return (start + HEADER) as *mut u8;
        }
        let class = class_of(size);
        let head = self.free[class];
        let start = if head != 0 {
            // SAFETY: `head` heads this class's free list, so it is the start of a block inside
            // one of this pool's live chunks (at least GRAIN bytes, GRAIN-aligned) that `free`
            // wrote the next block's address into; nothing else uses a free block.
            self.free[class] = unsafe { *(head as *const usize) };
            head
        } else {
            match self.carve(class * GRAIN) {
                Some(start) => start,
                None => return null_mut(),
            }
        };
        (start + HEADER) as *mut u8
    }

    /// `bytes` more from the newest chunk, starting a new chunk when it is used up.
    fn carve(&mut self, bytes: usize) -> Option<usize> {
        if self.bump_end - self.bump < bytes {
            let chunk = self.take_span(CHUNK)?;
            // what is left of the old chunk stays unused: under 1 KB per 64 KB
            (self.bump, self.bump_end) = (chunk, chunk + CHUNK);
        }
        let start = self.bump;
        self.bump += bytes;
        Some(start)
    }

    /// A span of `bytes` (a multiple of GRAIN): the smallest free one that fits, its rest left
    /// free, or new memory from the arena.
    fn take_span(&mut self, bytes: usize) -> Option<usize> {
        let Some(&(len, start)) = self.spans_by_size.range((bytes, 0)..).next() else {
            return self.arena.take(bytes);
        };
        self.spans_by_size.remove(&(len, start));
        self.spans.remove(&start);
        if len > bytes {
            self.add_span(start + bytes, len - bytes);
        }
        Some(start)
    }

    /// Frees a span, merged with the free spans right before and after it.
    fn give_span(&mut self, mut start: usize, mut bytes: usize) {
        if let Some(next) = self.spans.remove(&(start + bytes)) {
            self.spans_by_size.remove(&(next, start + bytes));
            bytes += next;
        }
        if let Some((&before, &len)) = self.spans.range(..start).next_back() {
            if before + len == start {
                self.spans.remove(&before);
                self.spans_by_size.remove(&(len, before));
                (start, bytes) = (before, bytes + len);
            }
        }
        self.add_span(start, bytes);
    }

    fn add_span(&mut self, start: usize, bytes: usize) {
        self.spans.insert(start, bytes);
        self.spans_by_size.insert((bytes, start));
    }

    /// Whether `ptr` (a block of `size` bytes) came from this pool.
    /// Whether `bytes` bytes at `address` lie in memory this pool has handed out (readable,
    /// whatever they hold).
    pub fn readable(&self, address: usize, bytes: usize) -> bool {
        bytes > 0
            && self.arena.contains(address)
            && address.checked_add(bytes - 1).is_some_and(|end| self.arena.contains(end))
    }

    pub fn owns(&self, ptr: *mut u8, size: usize) -> bool {
        let start = ptr as usize - HEADER;
        if size > SMALL_MAX {
            return self.large.get(&start) == Some(&size);
        }
        self.arena.contains(start) && !self.is_inside_large(start)
    }

    /// Whether `address` lies inside a large block in use or a free span.
    fn is_inside_large(&self, address: usize) -> bool {
        let inside = |map: &BTreeMap<usize, usize>, bytes_of: fn(usize) -> usize| {
            map.range(..=address).next_back().is_some_and(|(&start, &n)| address < start + bytes_of(n))
        };
        inside(&self.large, |size| span_of(size).unwrap_or(usize::MAX)) || inside(&self.spans, |bytes| bytes)
    }

    /// Gives back a block of `size` bytes from this pool.
    ///
    /// # Safety
    /// `ptr` came from this pool's `alloc` or `realloc` with this `size` (`owns(ptr, size)` is
    /// true), was not given back since, and is not used after this call.
    pub unsafe fn free(&mut self, ptr: *mut u8, size: usize) {
        let start = ptr as usize - HEADER;
        if size > SMALL_MAX {
            if let Some(bytes) = self.large.remove(&start).and_then(span_of) {
                self.give_span(start, bytes);
            }
            return;
        }
        let class = class_of(size);
        // SAFETY: by the caller's promise `start` begins a block of this class inside a live
        // chunk (at least GRAIN bytes, GRAIN-aligned, so a usize fits) that nobody uses any more.
        unsafe { *(start as *mut usize) = self.free[class] };
        self.free[class] = start;
    }

    /// Moves a block of `old` bytes from this pool to one of `new` bytes, keeping its contents
    /// and owner's word; null (the old block kept) when out of memory.
    ///
    /// # Safety
    /// As for `free`: `ptr` is a live block of this pool of `old` bytes. On success it is
    /// given back and only the returned pointer may be used.
    pub unsafe fn realloc(&mut self, ptr: *mut u8, old: usize, new: usize) -> *mut u8 {
        if old <= SMALL_MAX && new <= SMALL_MAX && class_of(old) == class_of(new) {
            return ptr;
        }
        let fresh = self.alloc(new);
        if !fresh.is_null() {
            // SAFETY: `ptr` is a live block of `old` bytes (the caller's promise) and `fresh` a
            // new one of `new` bytes, distinct because `ptr` is not free; both have HEADER bytes
            // in front, so HEADER + min(old, new) bytes from each header are inside each block.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr.sub(HEADER), fresh.sub(HEADER), HEADER + old.min(new));
            }
            // SAFETY: `ptr` is this pool's block of `old` bytes; the caller uses `fresh` from now.
            unsafe { self.free(ptr, old) };
        }
        fresh
    }

    /// The owner's word of a block of this pool.
    ///
    /// # Safety
    /// `ptr` is a live block of a pool (from `alloc` or `realloc`, not given back); the word
    /// may be used while the block lives.
    pub unsafe fn word(ptr: *mut u8) -> *mut usize {
        // SAFETY: every block of a pool has HEADER bytes of its allocation in front of it (the
        // caller's promise that `ptr` is one), so stepping back stays inside that allocation.
        unsafe { ptr.sub(HEADER) as *mut usize }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_blocks_are_reused_by_class_and_keep_their_word() {
        let mut pool = Pool::new().expect("an arena");
        let a = pool.alloc(24);
        // SAFETY: `a` is a live block of the pool.
        unsafe { *Pool::word(a) = 7 };
        assert!(pool.owns(a, 24));
        // SAFETY: `a` is the pool's block of 24 bytes and is not used again.
        unsafe { pool.free(a, 24) };
        let b = pool.alloc(30); // same 16-byte class as 24 with the header
        assert_eq!(a, b, "the freed block of the class comes back first");
        // SAFETY: `b` is the pool's block of 30 bytes; only `c` is used from here.
        let c = unsafe { pool.realloc(b, 30, 32) };
        assert_eq!(b, c, "growing within the class stays in place");
        // SAFETY: `c` is a live block of the pool.
        unsafe { *Pool::word(c) = 9 };
        // SAFETY: `c` is the pool's block of 32 bytes; only `d` is used from here.
        let d = unsafe { pool.realloc(c, 32, 500) };
        assert_ne!(c, d);
        // SAFETY: `d` is a live block of the pool.
        assert_eq!(unsafe { *Pool::word(d) }, 9, "the word moves with the block");
    }

    #[test]
    fn large_blocks_and_foreign_blocks() {
        let mut pool = Pool::new().expect("an arena");
        let big = pool.alloc(100_000);
        // SAFETY: `big` is a live block of 100,000 bytes.
        unsafe { big.write_bytes(1, 100_000) };
        assert!(pool.owns(big, 100_000));
        assert!(!pool.owns(big, 99_999), "a large block is known with its size");
        // SAFETY: `big` is the pool's block of 100,000 bytes; only `small` is used from here.
        let small = unsafe { pool.realloc(big, 100_000, 10) };
        // SAFETY: `small` is a live block of 10 bytes, its first byte copied from `big`.
        assert_eq!(unsafe { *small }, 1, "contents survive shrinking into a class");
        let foreign = Box::into_raw(Box::new([0u8; 64])) as *mut u8;
        // SAFETY: HEADER (16) bytes into a 64-byte allocation stays inside it.
        assert!(!pool.owns(unsafe { foreign.add(HEADER) }, 32));
        // SAFETY: `foreign` came from `Box::into_raw` of this type and is dropped once.
        drop(unsafe { Box::from_raw(foreign as *mut [u8; 64]) });
    }

    #[test]
    fn many_chunks() {
        let mut pool = Pool::new().expect("an arena");
        let blocks: Vec<_> = (0..20_000).map(|i| (pool.alloc(8 + i % 900), 8 + i % 900)).collect();
        assert!(blocks.iter().all(|&(p, s)| pool.owns(p, s)));
        for &(p, s) in &blocks {
            // SAFETY: each block is the pool's, of this size, freed once and not used after.
            unsafe { pool.free(p, s) };
        }
    }
}
