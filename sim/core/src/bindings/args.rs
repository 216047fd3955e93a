//! Argument checking for bindings, with the messages the device's C code gives
//! (`luaL_checkstring` and friends): `bad argument #1 to 'publish' (string expected, got nil)`.

use crate::device::Device;
pub use crate::literal::{format_g, format_number};
use crate::memory::HeapProbe;
use mlua::{Function, Table, Value};
use std::rc::Rc;

/// Why a binding call failed: an error the script sees as a string raised at its own line
/// (like `luaL_error`), a bad argument (number and message, like `luaL_argerror`), the device
/// halting (its message raised as is), or a Lua/runtime error passed through unchanged.
pub enum Fail {
    Raise(String),
    Arg(usize, String),
    Halt(String),
    Lua(mlua::Error),
}

impl From<mlua::Error> for Fail {
    fn from(e: mlua::Error) -> Fail {
        Fail::Lua(e)
    }
}

pub type BindResult<T> = Result<T, Fail>;

/// The arguments of one binding call, and the device it is made on.
pub struct Args {
    values: Vec<Value>,
    device: Rc<Device>,
    probe: Option<HeapProbe>,
}

/// `luaL_typename`.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Nil => "nil",
        Value::Boolean(_) => "boolean",
        Value::Integer(_) | Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Table(_) => "table",
        Value::Function(_) => "function",
        Value::Thread(_) => "thread",
        _ => "userdata",
    }
}

impl Args {
    /// `probe`: the calling state's heap accounts (`memory::probe`).
    pub fn new(values: Vec<Value>, device: Rc<Device>, probe: Option<HeapProbe>) -> Args {
        Args { values, device, probe }
    }

    /// The device of the calling state (the same `device::device(lua)` gives, without looking
    /// it up).
    pub fn device(&self) -> &Rc<Device> {
        &self.device
    }

    /// Host bytes the calling state holds (`memory::host_heap`, without looking it up).
    pub fn host_heap(&self) -> usize {
        self.probe.map_or(0, HeapProbe::host_used)
    }

    /// Argument `n` (1-based), `Nil` when absent.
    pub fn get(&self, n: usize) -> Value {
        self.values.get(n - 1).cloned().unwrap_or(Value::Nil)
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The rest of the arguments from `n` on.
    pub fn rest(&self, n: usize) -> Vec<Value> {
        self.values.iter().skip(n - 1).cloned().collect()
    }

    /// `luaL_argerror`: raised by the binding's C function, which names itself from its call
    /// site as the device's does (`bad argument #1 to 'publish' (...)`, `'?'` under `pcall`).
    pub fn error(&self, n: usize, message: impl std::fmt::Display) -> Fail {
        Fail::Arg(n, message.to_string())
    }

    fn expected(&self, n: usize, what: &str) -> Fail {
        let got = match self.values.get(n - 1) {
            None => "no value",
            Some(v) => type_name(v),
        };
        self.error(n, format!("{what} expected, got {got}"))
    }

    /// `luaL_checkstring`: a string, or a number converted to one.
    pub fn string(&self, n: usize) -> BindResult<String> {
        match self.values.get(n - 1) {
            Some(Value::String(s)) => Ok(s.to_string_lossy()),
            Some(Value::Integer(i)) => Ok(i.to_string()),
            Some(Value::Number(x)) => Ok(format_number(*x)),
            _ => Err(self.expected(n, "string")),
        }
    }

    /// `luaL_checklstring`: the bytes of a string, or of a number converted to one.
    pub fn bytes(&self, n: usize) -> BindResult<Vec<u8>> {
        match self.values.get(n - 1) {
            Some(Value::String(s)) => Ok(s.as_bytes().to_vec()),
            _ => self.string(n).map(String::into_bytes),
        }
    }

    /// `luaL_optlstring`: `default` when the argument is absent or nil.
    pub fn opt_bytes(&self, n: usize, default: &[u8]) -> BindResult<Vec<u8>> {
        match self.values.get(n - 1) {
            None | Some(Value::Nil) => Ok(default.to_vec()),
            Some(_) => self.bytes(n),
        }
    }

    /// `luaL_checkinteger`.
    pub fn integer(&self, n: usize) -> BindResult<i64> {
        let number = match self.values.get(n - 1) {
            Some(Value::Integer(i)) => return Ok(*i),
            Some(Value::Number(x)) => *x,
            Some(Value::String(s)) => match s.to_str().ok().and_then(|s| s.trim().parse::<f64>().ok()) {
                Some(x) => x,
                None => return Err(self.expected(n, "number")),
            },
            _ => return Err(self.expected(n, "number")),
        };
        if number.fract() == 0.0 && number >= -(2f64.powi(63)) && number < 2f64.powi(63) {
            Ok(number as i64)
        } else {
            Err(self.error(n, "number has no integer representation"))
        }
    }

    /// `luaL_optinteger`.
    pub fn opt_integer(&self, n: usize) -> BindResult<Option<i64>> {
        match self.values.get(n - 1) {
            None | Some(Value::Nil) => Ok(None),
            Some(_) => self.integer(n).map(Some),
        }
    }

    /// `luaL_checktype(L, n, LUA_TFUNCTION)`.
    pub fn function(&self, n: usize) -> BindResult<Function> {
        match self.values.get(n - 1) {
            Some(Value::Function(f)) => Ok(f.clone()),
            _ => Err(self.expected(n, "function")),
        }
    }

    /// `luaL_checknumber`: a number, or a string convertible to one.
    pub fn number(&self, n: usize) -> BindResult<f64> {
        match self.values.get(n - 1) {
            Some(Value::Integer(i)) => Ok(*i as f64),
            Some(Value::Number(x)) => Ok(*x),
            Some(Value::String(s)) => {
                s.to_str().ok().and_then(|s| s.trim().parse::<f64>().ok()).ok_or_else(|| self.expected(n, "number"))
            }
            _ => Err(self.expected(n, "number")),
        }
    }

    /// `luaL_checktype(L, n, LUA_TBOOLEAN)`.
    pub fn boolean(&self, n: usize) -> BindResult<bool> {
        match self.values.get(n - 1) {
            Some(Value::Boolean(b)) => Ok(*b),
            _ => Err(self.expected(n, "boolean")),
        }
    }

    /// `luaL_checkany`: any value, nil included, but not a missing one.
    pub fn any(&self, n: usize) -> BindResult<Value> {
        self.values.get(n - 1).cloned().ok_or_else(|| self.error(n, "value expected"))
    }

    /// `luaL_typeerror` for a union of types: `string|number expected, got nil`.
    pub fn type_error(&self, n: usize, expected: &str) -> Fail {
        self.expected(n, expected)
    }

    /// Every argument, in order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// A table argument.
    pub fn table(&self, n: usize) -> BindResult<Table> {
        match self.values.get(n - 1) {
            Some(Value::Table(t)) => Ok(t.clone()),
            _ => Err(self.expected(n, "table")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::format_number;

    #[test]
    fn numbers_print_like_lua() {
        assert_eq!(format_number(1.5), "1.5");
        assert_eq!(format_number(3.0), "3.0");
        assert_eq!(format_number(0.1), "0.1");
        assert_eq!(format_number(1e20), "1e+20");
        assert_eq!(format_number(123456789012345.0), "1.2345678901234e+14");
        assert_eq!(format_number(-0.0001), "-0.0001");
        assert_eq!(format_number(0.00001), "1e-05");
        assert_eq!(format_number(2.0f64.powi(53)), "9.007199254741e+15");
    }
}
