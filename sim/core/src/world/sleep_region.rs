//! The sleep region: 16 KB of RTC memory that survives deep sleep, holding a store of Lua
//! values in a byte format shared with the firmware (documented in `docs/sleep-region.md`).
//!
//! The region is kept as its byte image, exactly as the firmware would keep it; every write
//! re-encodes the store, so its size is counted to the byte against the profile's region,
//! header included. At boot the image is checked (magic, version, length, CRC-32); a torn write
//! shows up as a bad checksum and is reported as such, never read as data.

use std::collections::BTreeMap;

use crate::contract::sleep_region::{header, tag};
use crate::contract::sleep_region::{HEADER_BYTES, MAGIC, VERSION};

/// A value the store can hold. Table keys are integers or strings, kept sorted.
#[derive(Debug, Clone, PartialEq)]
pub enum RtcValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Vec<u8>),
    Table(BTreeMap<RtcKey, RtcValue>),
}

/// Table keys: integers sort before strings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RtcKey {
    Int(i64),
    Str(Vec<u8>),
}

/// What a boot found in the region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionStatus {
    /// A valid store (possibly with no entries).
    Ok,
    /// No store: first power-on, or cleared by a brownout or power loss.
    Empty,
    /// A store whose checksum or structure does not hold: a torn write. Its data is dropped.
    Corrupt,
}

impl RegionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RegionStatus::Ok => "ok",
            RegionStatus::Empty => "empty",
            RegionStatus::Corrupt => "corrupt",
        }
    }
}

/// A write that does not fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionFull {
    pub wanted: usize,
    pub free: usize,
    pub capacity: usize,
}

#[derive(Debug, Clone)]
pub struct SleepRegion {
    capacity: usize,
    image: Vec<u8>,
    store: BTreeMap<Vec<u8>, RtcValue>,
    /// The sleeping tasks' image (`docs/sleepy-tasks.md`), after the entries, under the same CRC.
    tasks: Option<Vec<u8>>,
    status: RegionStatus,
}

impl SleepRegion {
    pub fn new(capacity: usize) -> SleepRegion {
        SleepRegion { capacity, image: Vec::new(), store: BTreeMap::new(), tasks: None, status: RegionStatus::Empty }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Bytes in use, header included (0 for an empty region).
    pub fn used(&self) -> usize {
        self.image.len()
    }

    pub fn status(&self) -> RegionStatus {
        self.status
    }

    pub fn get(&self, key: &[u8]) -> Option<&RtcValue> {
        self.store.get(key)
    }

    /// The entries as a boot would read them now: `None` when the image is torn.
    pub fn readable(&self) -> Option<BTreeMap<Vec<u8>, RtcValue>> {
        if self.image.is_empty() {
            return Some(BTreeMap::new());
        }
        decode(&self.image)
    }

    pub fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.store.keys().map(Vec::as_slice)
    }

    /// Stores (or with `None` removes) an entry. Fails, changing nothing, when the region
    /// would overflow; `wanted` is the entry's encoded size, `free` what the other entries leave.
    pub fn set(&mut self, key: &[u8], value: Option<RtcValue>) -> Result<(), RegionFull> {
        let mut next = self.store.clone();
        match value {
            Some(v) => next.insert(key.to_vec(), v),
            None => next.remove(key),
        };
        let image = encode_with(&next, self.tasks.as_deref());
        if image.len() > self.capacity {
            let others: BTreeMap<Vec<u8>, RtcValue> =
                next.iter().filter(|(k, _)| k.as_slice() != key).map(|(k, v)| (k.clone(), v.clone())).collect();
            return Err(self.full(image.len(), &encode_with(&others, self.tasks.as_deref())));
        }
        self.store = next;
        self.image = image;
        self.status = RegionStatus::Ok;
        Ok(())
    }

    /// The overflow of an image of `image_len` bytes over `without`, the image without what
    /// was being written (at least the header).
    fn full(&self, image_len: usize, without: &[u8]) -> RegionFull {
        let base = without.len().max(HEADER_BYTES);
        RegionFull { wanted: image_len - base, free: self.capacity.saturating_sub(base), capacity: self.capacity }
    }

    /// `RTC.clear()`: no entries, the header stays (and the tasks' image, if any).
    pub fn clear(&mut self) {
        self.store.clear();
        self.image = encode_with(&self.store, self.tasks.as_deref());
    }

    /// Power is gone: RTC memory is lost.
    pub fn wipe(&mut self) {
        self.store.clear();
        self.tasks = None;
        self.image.clear();
        self.status = RegionStatus::Empty;
    }

    /// The sleeping tasks' image found at boot (or written before the sleep).
    pub fn tasks(&self) -> Option<&[u8]> {
        self.tasks.as_deref()
    }

    /// Stores the sleeping tasks' image beside the entries, or with `None` drops it. Fails,
    /// changing nothing, when the region would overflow (`wanted`: the image's bytes with its
    /// tag and length; `free`: what the header and entries leave).
    pub fn set_tasks(&mut self, tasks: Option<Vec<u8>>) -> Result<(), RegionFull> {
        let image = encode_with(&self.store, tasks.as_deref());
        if image.len() > self.capacity {
            return Err(self.full(image.len(), &encode_with(&self.store, None)));
        }
        self.tasks = tasks;
        self.image = image;
        self.status = RegionStatus::Ok;
        Ok(())
    }

    /// Power fails halfway through writing the tasks' image: header written, payload half.
    pub fn tear_tasks(&mut self, tasks: Vec<u8>) {
        let new_image = encode_with(&self.store, Some(&tasks));
        self.tear_into(&new_image);
    }

    /// Power fails halfway through writing `value` under `key`. The firmware writes in three
    /// steps: the header with its CRC field zeroed, the payload, then the CRC. Here the header
    /// is written, the payload only half, and the CRC never.
    pub fn tear_write(&mut self, key: &[u8], value: Option<RtcValue>) {
        let mut next = self.store.clone();
        match value {
            Some(v) => next.insert(key.to_vec(), v),
            None => next.remove(key),
        };
        let new_image = encode_with(&next, self.tasks.as_deref());
        self.tear_into(&new_image);
    }

    /// The region as power left it halfway through writing `new_image` over the old one: the
    /// header and half the payload written, the CRC field still zero.
    fn tear_into(&mut self, new_image: &[u8]) {
        let half = HEADER_BYTES + (new_image.len() - HEADER_BYTES) / 2;
        let mut torn = self.image.clone();
        torn.resize(new_image.len().max(torn.len()), 0);
        torn[..half].copy_from_slice(&new_image[..half]);
        torn[header::CRC.range()].copy_from_slice(&0u32.to_le_bytes());
        self.image = torn;
    }

    /// What a boot does: check the image and load the store from it, or drop it.
    pub fn boot_check(&mut self) -> RegionStatus {
        self.status = if self.image.is_empty() {
            RegionStatus::Empty
        } else {
            match decode_with_tasks(&self.image) {
                Some((store, tasks)) => {
                    self.store = store;
                    self.tasks = tasks;
                    RegionStatus::Ok
                }
                None => {
                    self.wipe();
                    RegionStatus::Corrupt
                }
            }
        };
        self.status
    }
}

/// CRC-32 as in IEEE 802.3 / zlib (reflected polynomial 0xEDB88320, init and final xor all ones).
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// The whole region image for a store: header then payload.
pub fn encode(store: &BTreeMap<Vec<u8>, RtcValue>) -> Vec<u8> {
    encode_with(store, None)
}

/// The image of a store and, after its entries, the sleeping tasks' image (`TASKS` tag, a
/// 4-byte length, the bytes).
fn encode_with(store: &BTreeMap<Vec<u8>, RtcValue>, tasks: Option<&[u8]>) -> Vec<u8> {
    if store.is_empty() && tasks.is_none() {
        return header(0, &[]);
    }
    let mut payload = Vec::new();
    for (key, value) in store {
        encode_str(&mut payload, key);
        encode_value(&mut payload, value);
    }
    if let Some(tasks) = tasks {
        payload.push(tag::TASKS);
        payload.extend_from_slice(&(tasks.len() as u32).to_le_bytes());
        payload.extend_from_slice(tasks);
    }
    let mut image = header(store.len() as u16, &payload);
    image.extend_from_slice(&payload);
    image
}

fn header(count: u16, payload: &[u8]) -> Vec<u8> {
    let mut h = Vec::with_capacity(HEADER_BYTES + payload.len());
    h.extend_from_slice(&MAGIC);
    h.extend_from_slice(&VERSION.to_le_bytes());
    h.extend_from_slice(&count.to_le_bytes());
    h.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    h.extend_from_slice(&crc32(payload).to_le_bytes());
    h
}

fn encode_str(out: &mut Vec<u8>, s: &[u8]) {
    if s.len() < 256 {
        out.push(tag::STR8);
        out.push(s.len() as u8);
    } else {
        out.push(tag::STR16);
        out.extend_from_slice(&(s.len() as u16).to_le_bytes());
    }
    out.extend_from_slice(s);
}

fn encode_int(out: &mut Vec<u8>, i: i64) {
    if let Ok(v) = i8::try_from(i) {
        out.push(tag::INT8);
        out.extend_from_slice(&v.to_le_bytes());
    } else if let Ok(v) = i16::try_from(i) {
        out.push(tag::INT16);
        out.extend_from_slice(&v.to_le_bytes());
    } else if let Ok(v) = i32::try_from(i) {
        out.push(tag::INT32);
        out.extend_from_slice(&v.to_le_bytes());
    } else {
        out.push(tag::INT64);
        out.extend_from_slice(&i.to_le_bytes());
    }
}

fn encode_value(out: &mut Vec<u8>, v: &RtcValue) {
    match v {
        RtcValue::Bool(false) => out.push(tag::FALSE),
        RtcValue::Bool(true) => out.push(tag::TRUE),
        RtcValue::Int(i) => encode_int(out, *i),
        RtcValue::Float(x) => {
            out.push(tag::FLOAT64);
            out.extend_from_slice(&x.to_le_bytes());
        }
        RtcValue::Str(s) => encode_str(out, s),
        RtcValue::Table(t) => {
            out.push(tag::TABLE);
            out.extend_from_slice(&(t.len() as u16).to_le_bytes());
            for (k, v) in t {
                match k {
                    RtcKey::Int(i) => encode_int(out, *i),
                    RtcKey::Str(s) => encode_str(out, s),
                }
                encode_value(out, v);
            }
        }
    }
}

/// The entries of a store, by key.
type Store = BTreeMap<Vec<u8>, RtcValue>;

/// Decodes a region image; `None` for anything that is not a whole, valid store.
pub fn decode(image: &[u8]) -> Option<BTreeMap<Vec<u8>, RtcValue>> {
    decode_with_tasks(image).map(|(store, _)| store)
}

/// Decodes a region image with the sleeping tasks' image after the entries, if there is one.
fn decode_with_tasks(image: &[u8]) -> Option<(Store, Option<Vec<u8>>)> {
    let h = image.get(..HEADER_BYTES)?;
    if h[header::MAGIC.range()] != MAGIC || u16::from_le_bytes(h[header::VERSION.range()].try_into().ok()?) != VERSION {
        return None;
    }
    let count = u16::from_le_bytes(h[header::COUNT.range()].try_into().ok()?) as usize;
    let len = u32::from_le_bytes(h[header::LEN.range()].try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(h[header::CRC.range()].try_into().ok()?);
    let payload = image.get(HEADER_BYTES..HEADER_BYTES.checked_add(len)?)?;
    if crc32(payload) != crc {
        return None;
    }
    let mut r = Reader { bytes: payload, pos: 0 };
    let mut store = BTreeMap::new();
    for _ in 0..count {
        let RtcValue::Str(key) = r.value(0)? else { return None };
        store.insert(key, r.value(0)?);
    }
    let mut tasks = None;
    if r.pos < payload.len() {
        if *r.take(1)?.first()? != tag::TASKS {
            return None;
        }
        let n = u32::from_le_bytes(r.take(4)?.try_into().ok()?) as usize;
        tasks = Some(r.take(n)?.to_vec());
    }
    (r.pos == payload.len()).then_some((store, tasks))
}

/// Deepest table nesting the decoder follows (the encoder cannot produce deeper within 16 KB
/// of useful data; this only bounds hostile images).
const MAX_DECODE_DEPTH: usize = 64;

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let s = self.bytes.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }

    fn value(&mut self, depth: usize) -> Option<RtcValue> {
        let tag = *self.take(1)?.first()?;
        Some(match tag {
            tag::FALSE => RtcValue::Bool(false),
            tag::TRUE => RtcValue::Bool(true),
            tag::INT8 => RtcValue::Int(i8::from_le_bytes(self.take(1)?.try_into().ok()?) as i64),
            tag::INT16 => RtcValue::Int(i16::from_le_bytes(self.take(2)?.try_into().ok()?) as i64),
            tag::INT32 => RtcValue::Int(i32::from_le_bytes(self.take(4)?.try_into().ok()?) as i64),
            tag::INT64 => RtcValue::Int(i64::from_le_bytes(self.take(8)?.try_into().ok()?)),
            tag::FLOAT64 => RtcValue::Float(f64::from_le_bytes(self.take(8)?.try_into().ok()?)),
            tag::STR8 => {
                let n = *self.take(1)?.first()? as usize;
                RtcValue::Str(self.take(n)?.to_vec())
            }
            tag::STR16 => {
                let n = u16::from_le_bytes(self.take(2)?.try_into().ok()?) as usize;
                RtcValue::Str(self.take(n)?.to_vec())
            }
            tag::TABLE if depth < MAX_DECODE_DEPTH => {
                let n = u16::from_le_bytes(self.take(2)?.try_into().ok()?) as usize;
                let mut t = BTreeMap::new();
                for _ in 0..n {
                    let key = match self.value(depth + 1)? {
                        RtcValue::Int(i) => RtcKey::Int(i),
                        RtcValue::Str(s) => RtcKey::Str(s),
                        _ => return None,
                    };
                    t.insert(key, self.value(depth + 1)?);
                }
                RtcValue::Table(t)
            }
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn the_byte_format_is_exactly_as_documented() {
        let mut store = BTreeMap::new();
        store.insert(b"n".to_vec(), RtcValue::Int(300));
        let image = encode(&store);
        // header: magic, version 1, 1 entry, payload length 6, crc; payload: str8 "n", int16 300
        assert_eq!(&image[..8], b"LSR1\x01\x00\x01\x00");
        assert_eq!(&image[8..12], &6u32.to_le_bytes());
        assert_eq!(&image[16..], &[0x30, 1, b'n', 0x11, 0x2C, 0x01]);
        assert_eq!(decode(&image), Some(store));
    }

    #[test]
    fn round_trips_nested_tables() {
        let mut inner = BTreeMap::new();
        inner.insert(RtcKey::Int(1), RtcValue::Float(21.5));
        inner.insert(RtcKey::Str(b"ok".to_vec()), RtcValue::Bool(true));
        let mut store = BTreeMap::new();
        store.insert(b"t".to_vec(), RtcValue::Table(inner));
        store.insert(b"big".to_vec(), RtcValue::Int(i64::MIN));
        store.insert(b"s".to_vec(), RtcValue::Str(vec![b'x'; 300]));
        assert_eq!(decode(&encode(&store)), Some(store));
    }

    #[test]
    fn overflow_is_refused_at_the_exact_byte() {
        let mut r = SleepRegion::new(64);
        // header 16 + key (str8 "k": 3) + value str8 with n bytes (2 + n) = 21 + n
        assert!(r.set(b"k", Some(RtcValue::Str(vec![0; 43]))).is_ok());
        assert_eq!(r.used(), 64);
        let err = r.set(b"k", Some(RtcValue::Str(vec![0; 44]))).unwrap_err();
        assert_eq!(err, RegionFull { wanted: 49, free: 48, capacity: 64 });
        assert_eq!(r.used(), 64, "a refused write changes nothing");
    }

    #[test]
    fn a_torn_write_is_caught_by_the_checksum() {
        let mut r = SleepRegion::new(1024);
        r.set(b"a", Some(RtcValue::Int(1))).unwrap();
        r.tear_write(b"b", Some(RtcValue::Str(vec![7; 100])));
        assert_eq!(r.boot_check(), RegionStatus::Corrupt);
        assert_eq!(r.get(b"a"), None, "nothing of a torn store is read back");
        let mut fresh = SleepRegion::new(1024);
        fresh.tear_write(b"b", Some(RtcValue::Int(5)));
        assert_eq!(fresh.boot_check(), RegionStatus::Corrupt);
    }

    #[test]
    fn garbage_never_decodes() {
        for len in 0..64 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(decode(&bytes), None);
        }
    }
}
