//! The libyaml event stream serde_yaml reads, one event at a time with its position, for the
//! passes that look at a scenario's YAML before or after serde_yaml: the expansion budget
//! (`yaml_budget`) and the locator of a document path (`locate`).

use std::mem::MaybeUninit;
use unsafe_libyaml as unsafe_sys;

/// One parsed event, reduced to what the budget and the locator need.
pub enum Step {
    End,
    /// `text` only when the parser was made `with_text`.
    Scalar {
        anchor: Option<Vec<u8>>,
        len: u64,
        text: Option<Vec<u8>>,
    },
    Open {
        anchor: Option<Vec<u8>>,
        mapping: bool,
    },
    Close,
    Alias {
        anchor: Vec<u8>,
    },
    Other,
}

/// A libyaml parser over borrowed text; boxed because libyaml keeps a pointer to itself.
pub struct Parser<'a> {
    sys: Box<MaybeUninit<unsafe_sys::yaml_parser_t>>,
    _text: &'a [u8],
    /// Whether scalars carry their text (the budget reads only lengths).
    with_text: bool,
}

impl<'a> Parser<'a> {
    pub fn new(text: &'a [u8]) -> Option<Parser<'a>> {
        let mut sys = Box::new(MaybeUninit::<unsafe_sys::yaml_parser_t>::uninit());
        // SAFETY: `initialize` zeroes the uninitialised struct before filling it in, so it
        // reads nothing uninitialised; on failure nothing was allocated. The input must stay
        // valid while the parser exists: `_text` borrows it for the parser's lifetime. libyaml
        // keeps a pointer to the struct itself, which the box never moves.
        unsafe {
            if unsafe_sys::yaml_parser_initialize(sys.as_mut_ptr()).fail {
                return None;
            }
            unsafe_sys::yaml_parser_set_encoding(sys.as_mut_ptr(), unsafe_sys::YAML_UTF8_ENCODING);
            unsafe_sys::yaml_parser_set_input_string(sys.as_mut_ptr(), text.as_ptr(), text.len() as u64);
        }
        Some(Parser { sys, _text: text, with_text: false })
    }

    /// A parser whose scalars carry their text.
    pub fn with_text(mut self) -> Parser<'a> {
        self.with_text = true;
        self
    }

    /// The next event and its 0-based (line, column); `None` on a syntax error.
    pub fn next(&mut self) -> Option<(Step, (usize, usize))> {
        let mut event = MaybeUninit::<unsafe_sys::yaml_event_t>::uninit();
        // SAFETY: the parser is initialised (`new`) and not yet deleted (`drop`); a successful
        // `parse` fills `event`, whose union is read only through the member its `type_` names,
        // and whose anchors are null or NUL-terminated strings owned by the event, copied out
        // by `c_bytes` before `yaml_event_delete` frees them, as a scalar's text (`length`
        // bytes at `value`) is copied. On failure `event` is not read.
        unsafe {
            let parser = self.sys.as_mut_ptr();
            if unsafe_sys::yaml_parser_parse(parser, event.as_mut_ptr()).fail {
                return None;
            }
            let e = &*event.as_ptr();
            let step = match e.type_ {
                // libyaml gives no event after the end or an error.
                unsafe_sys::YAML_STREAM_END_EVENT | unsafe_sys::YAML_NO_EVENT => Step::End,
                unsafe_sys::YAML_SCALAR_EVENT => {
                    let scalar = &e.data.scalar;
                    let text = self.with_text.then(|| match scalar.length {
                        0 => Vec::new(),
                        n => std::slice::from_raw_parts(scalar.value, n as usize).to_vec(),
                    });
                    Step::Scalar { anchor: c_bytes(scalar.anchor), len: scalar.length, text }
                }
                unsafe_sys::YAML_SEQUENCE_START_EVENT => {
                    Step::Open { anchor: c_bytes(e.data.sequence_start.anchor), mapping: false }
                }
                unsafe_sys::YAML_MAPPING_START_EVENT => {
                    Step::Open { anchor: c_bytes(e.data.mapping_start.anchor), mapping: true }
                }
                unsafe_sys::YAML_SEQUENCE_END_EVENT | unsafe_sys::YAML_MAPPING_END_EVENT => Step::Close,
                unsafe_sys::YAML_ALIAS_EVENT => {
                    Step::Alias { anchor: c_bytes(e.data.alias.anchor).unwrap_or_default() }
                }
                _ => Step::Other,
            };
            let at = (e.start_mark.line as usize, e.start_mark.column as usize);
            unsafe_sys::yaml_event_delete(event.as_mut_ptr());
            Some((step, at))
        }
    }
}

impl Drop for Parser<'_> {
    fn drop(&mut self) {
        // SAFETY: initialised in `new` (a `Parser` exists only then) and deleted once, here.
        unsafe { unsafe_sys::yaml_parser_delete(self.sys.as_mut_ptr()) }
    }
}

/// The bytes of a NUL-terminated libyaml string, `None` for a null pointer.
///
/// # Safety
/// `ptr` is null or points to a NUL-terminated string.
unsafe fn c_bytes(ptr: *const u8) -> Option<Vec<u8>> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: the caller promises a NUL-terminated string, valid for this call; the bytes are
    // copied before returning.
    Some(unsafe { std::ffi::CStr::from_ptr(ptr.cast()) }.to_bytes().to_vec())
}
