//! Call-info records booked at their device size (Lua 5.4).
//!
//! Lua allocates a `CallInfo` record (64 bytes here, 36 on the device) the first time a thread's
//! calls nest one level deeper, with no type tag, like any other block of 64 bytes. What tells
//! it apart is that Lua links it into the thread's list at once (`luaE_extendCI`): the record
//! before it points at it. The allocator keeps the newest untagged block of that size as a
//! candidate and looks at it at its next call, or when the accounts are read
//! (`Accounts::settle_call_info`); if it is linked so, it is booked at the device's 36 bytes.
//! A coroutine nesting 60 calls deep, or 62 nested `pcall`s (`device_lua_build`), was 1.7 KB
//! over the firmware's heap before. The words looked at are cleared when the block is made
//! (`clear_links`), so a block Lua does not fill reads as unlinked whatever an earlier state of
//! the same arena left there; the record `previous` points at is read only inside the arena.

/// Host bytes of a `CallInfo` (Lua 5.4 on a 64-bit host); no other version is matched.
#[cfg(feature = "lua54")]
pub const HOST_BYTES: usize = 64;
#[cfg(not(feature = "lua54"))]
pub const HOST_BYTES: usize = usize::MAX;
/// Device bytes of a `CallInfo` (`docs/memory.md`).
pub const DEVICE_BYTES: usize = 36;
/// Offsets of `previous` and `next` in Lua 5.4's `CallInfo`, after `func` and `top`.
const PREVIOUS: usize = 16;
const NEXT: usize = 24;

/// Clears the words `is_linked` reads in a fresh block, so that what it finds there is what
/// Lua wrote, never what an earlier state of the same arena left: a block Lua does not fill
/// reads as unlinked, and the answer does not depend on the memory's history.
///
/// # Safety
/// `block` is a fresh block of at least `HOST_BYTES` bytes that Lua has not been handed yet.
pub unsafe fn clear_links(block: *mut u8) {
    // SAFETY: the caller's promise: the block is ours and large enough.
    unsafe { std::ptr::write_bytes(block, 0, NEXT + size_of::<usize>()) };
}

/// Whether the block at `block` is linked as a `CallInfo`: its `previous` record's `next` is
/// the block. `readable(address, bytes)` says whether memory may be read there.
///
/// # Safety
/// `block` is a live block of at least `HOST_BYTES` bytes.
pub unsafe fn is_linked(block: *const u8, readable: impl Fn(usize, usize) -> bool) -> bool {
    // SAFETY: the block is live and large enough (the caller's promise); unaligned reads,
    // since nothing says what the block holds.
    let previous = unsafe { block.add(PREVIOUS).cast::<usize>().read_unaligned() };
    let at = previous.wrapping_add(NEXT);
    // SAFETY: `readable` vouched for the word at `at`.
    previous != 0
        && readable(at, size_of::<usize>())
        && unsafe { (at as *const usize).read_unaligned() } == block as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two 64-byte records as Lua 5.4 lays them out: `previous` at 16, `next` at 24.
    #[repr(C, align(8))]
    struct Records([usize; 16]);

    #[test]
    fn a_block_is_a_call_info_only_when_the_record_before_links_to_it() {
        let mut r = Records([0; 16]);
        let words = r.0.as_mut_ptr();
        let base = words as usize;
        let (first, second) = (base, base + 64);
        let inside = |at: usize, n: usize| at >= base && at + n <= base + 128;
        // SAFETY: every word written is one of the 16 of `r`, reached through `words` only.
        let set = |word: usize, value: usize| unsafe { words.add(word).write(value) };
        let linked = || {
            // SAFETY: `second` is the last 64 live bytes of `r`.
            unsafe { is_linked(second as *const u8, inside) }
        };
        // `second` follows `first`, which points back at it
        set(8 + PREVIOUS / 8, first);
        set(NEXT / 8, second);
        assert!(linked());
        // the record before points elsewhere: an array of 64 bytes whose third word is a pointer
        set(NEXT / 8, first);
        assert!(!linked());
        // a "previous" outside readable memory is never read
        set(8 + PREVIOUS / 8, 8);
        assert!(!linked());
        // no previous at all
        set(8 + PREVIOUS / 8, 0);
        assert!(!linked());
        // what `clear_links` leaves reads as unlinked
        set(8 + PREVIOUS / 8, first);
        set(NEXT / 8, second);
        // SAFETY: `second` is 64 bytes of `r`, and nothing else is reading it meanwhile.
        unsafe { clear_links(second as *mut u8) };
        assert!(!linked());
    }
}
