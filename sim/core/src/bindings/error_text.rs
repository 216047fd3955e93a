//! How a failed protected call's error reads in the trace: as the device's `lua_task` prints
//! it, without the frames of the boot machinery and of the bindings' own Lua wrapper.

use super::args::type_name;
use mlua::Value;

/// An error value as text, without the frames of the boot machinery below the script.
pub fn describe_error(err: &Value) -> String {
    let printable = match err {
        Value::Integer(_) | Value::Number(_) | Value::Error(_) => true,
        Value::Table(t) => t.metatable().is_some_and(|m| m.contains_key("__tostring").unwrap_or(false)),
        _ => false,
    };
    let text = match err {
        Value::String(s) => s.to_string_lossy(),
        other if printable => other.to_string().unwrap_or_else(|e| e.to_string()),
        // As lua.c says it, rather than a host address (`table: 0x55...`) that differs per run.
        other => format!("(error object is a {} value)", type_name(other)),
    };
    // The prelude's xpcall frame: named as the global, or as the prelude's upvalue once a
    // script has removed the global.
    let cut = XPCALL_FRAMES.iter().filter_map(|frame| text.find(frame)).min();
    let text = match cut {
        Some(cut) => &text[..cut],
        None => &text,
    };
    without_binding_frames(text)
}

/// How a traceback names the prelude's `xpcall`, where the boot machinery's frames start.
const XPCALL_FRAMES: [&str; 2] = ["\n\t[C]: in function 'xpcall'", "\n\t[C]: in upvalue 'xpcall'"];

/// Drops the frames of the Lua wrapper that raises binding errors (`bindings::function`): the
/// device raises them from C, so its traceback has no such frames.
fn without_binding_frames(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut kept = Vec::with_capacity(lines.len());
    let mut in_wrapper = false;
    for (i, line) in lines.iter().enumerate() {
        let next_is_wrapper = lines.get(i + 1).is_some_and(|l| l.starts_with("\tbinding:"));
        let wrapper_line = line.starts_with("\tbinding:")
            || (*line == "\t[C]: in function 'error'" && next_is_wrapper)
            || (*line == "\t(...tail calls...)" && in_wrapper);
        in_wrapper = line.starts_with("\tbinding:");
        if !wrapper_line {
            kept.push(*line);
        }
    }
    kept.join("\n")
}
