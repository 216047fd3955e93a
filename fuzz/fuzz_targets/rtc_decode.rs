//! Fuzzes the sleep-region decoder with arbitrary images: it returns a store or `None`, never
//! panics, and a store it accepts survives being written again: encoding it gives an image
//! that decodes to the same store.
#![no_main]

use libfuzzer_sys::fuzz_target;
use luasim_core::sleep_region_image::{decode, encode};

fuzz_target!(|data: &[u8]| {
    if let Some(store) = decode(data) {
        assert_eq!(decode(&encode(&store)), Some(store), "a decoded store does not survive a rewrite");
    }
});
