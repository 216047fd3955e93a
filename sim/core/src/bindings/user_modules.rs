//! The project's own firmware modules (`luasim.yaml` `modules:`), as scripts see them: a global
//! table per module with its declared functions and constants.
//!
//! Every call has its arguments checked against the declared signature, with the wording of
//! the built-in bindings (`bad argument #1 to 'draw' (string expected, got nil)`); then the
//! module's mock answers it (a firmware-side Lua state of its own, `runtime::mocks`), or
//! without a mock the scenario does (`returns:`, `set` steps). Each call is traced as a
//! `module` event with its arguments and results. Simulator only: `contract.h` does not list
//! these modules (the user's firmware has their C).

use super::convert::json_to_lua;
use super::{check_running, function, global_table, Args, BindResult, Fail};
use crate::apidoc::signature::{Base, Param, Signature, Type};
use crate::apidoc::{UserFunction, UserModule};
use crate::device::{device, with_world};
use crate::literal::lua_literal;
use crate::trace::EventKind;
use mlua::{Function, Lua, MultiValue, Table, Value};

/// Installs every user module of the world's project.
pub fn install(lua: &Lua) -> mlua::Result<()> {
    let modules = with_world(lua, |w| w.modules().clone());
    for module in &modules.0 {
        let mut fields = Vec::new();
        for f in &module.functions {
            fields.push((f.name.as_str(), user_function(lua, module, f)?));
        }
        let table = global_table(lua, &module.name, fields)?;
        for (name, value) in &module.constants {
            table.raw_set(name.as_str(), json_to_lua(lua, value)?)?;
        }
    }
    Ok(())
}

fn user_function(lua: &Lua, module: &UserModule, f: &UserFunction) -> mlua::Result<Function> {
    let (module_name, name, signature) = (module.name.clone(), f.name.clone(), f.signature.clone());
    let has_mock = module.mock.is_some();
    function(lua, &f.name, move |lua, args: Args| {
        check_running(lua)?;
        check_args(&args, &signature)?;
        let dotted = format!("{module_name}.{name}");
        let args_text: Vec<String> = args.values().iter().map(lua_literal).collect();
        let results = if has_mock {
            call_mock(lua, &module_name, &name, &args)?
        } else {
            match with_world(lua, |w| w.next_return(&dotted)) {
                Some(value) => MultiValue::from_vec(vec![json_to_lua(lua, &value)?]),
                None => MultiValue::new(),
            }
        };
        let returned: Vec<String> = results.iter().map(lua_literal).collect();
        with_world(lua, |w| w.record(EventKind::ModuleCall { function: dotted, args: args_text, returned }));
        Ok(results)
    })
}

/// The checks a C module makes with `luaL_check*`, from the declared signature: a required
/// parameter must be there with its type, an optional one may be nil, `...: type` checks the
/// rest. Arguments past the declared ones are ignored, as a C function ignores them.
fn check_args(args: &Args, signature: &Signature) -> BindResult<()> {
    for (i, p) in signature.params.iter().enumerate() {
        let n = i + 1;
        if p.vararg {
            for m in n..=args.len() {
                check_type(args, m, p)?;
            }
            break;
        }
        if p.optional && matches!(args.get(n), Value::Nil) {
            continue;
        }
        check_type(args, n, p)?;
    }
    Ok(())
}

fn check_type(args: &Args, n: usize, p: &Param) -> BindResult<()> {
    let ty: &Type = &p.ty;
    if ty.is_any() {
        return args.any(n).map(drop);
    }
    let mut first_error = None;
    for base in ty.bases() {
        let checked = match base {
            Base::String => args.string(n).map(drop),
            Base::Number => args.number(n).map(drop),
            Base::Integer => args.integer(n).map(drop),
            Base::Boolean => args.boolean(n).map(drop),
            Base::Function => args.function(n).map(drop),
            Base::Table => args.table(n).map(drop),
            Base::Nil if matches!(args.get(n), Value::Nil) => Ok(()),
            Base::Thread if matches!(args.get(n), Value::Thread(_)) => Ok(()),
            Base::Userdata if matches!(args.get(n), Value::UserData(_) | Value::LightUserData(_)) => Ok(()),
            _ => Err(args.type_error(n, &base.to_string())),
        };
        match checked {
            Ok(()) => return Ok(()),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match (ty.bases().len(), first_error) {
        (1, Some(e)) => Err(e),
        _ => Err(args.type_error(n, &ty.to_string())),
    }
}

/// Deepest table nesting that crosses between the device's state and a mock's.
const MAX_COPY_DEPTH: usize = 32;
/// Most table entries one crossing copies.
const MAX_COPY_ENTRIES: usize = 10_000;

/// Calls `function` of `module`'s mock with copies of the arguments; returns copies of its
/// results in the device's state. A mock's error is raised at the script's line and names the
/// mock's own file and line.
fn call_mock(lua: &Lua, module: &str, function: &str, args: &Args) -> BindResult<MultiValue> {
    let mock = match device(lua).mock(module) {
        Some(Ok(mock)) => mock,
        Some(Err(why)) => return Err(Fail::Raise(format!("{module}.{function}: its mock did not load: {why}"))),
        None => return Err(Fail::Raise(format!("{module}.{function}: no mock is running (the device is booting)"))),
    };
    let exports: Table = mock.named_registry_value(crate::device::mock::EXPORTS)?;
    let Some(f) = exports.raw_get::<Option<Function>>(function)? else {
        let chunk = mock.named_registry_value::<String>(crate::device::mock::CHUNK).unwrap_or_default();
        return Err(Fail::Raise(format!(
            "{module}.{function}: the mock {chunk} returns no function `{function}` in its table"
        )));
    };
    let mut budget = MAX_COPY_ENTRIES;
    let copied = args
        .values()
        .iter()
        .map(|v| copy(&mock, v, 0, &mut budget))
        .collect::<Result<Vec<Value>, String>>()
        .map_err(|why| Fail::Raise(format!("{module}.{function}: argument for its mock: {why}")))?;
    crate::device::mock::reset_budget(&mock);
    let results = match f.call::<MultiValue>(MultiValue::from_vec(copied)) {
        Ok(results) => results,
        Err(e) => return Err(Fail::Raise(format!("{} (in the mock of {module}.{function})", mock_error(&e)))),
    };
    let mut budget = MAX_COPY_ENTRIES;
    let back = results
        .iter()
        .map(|v| copy(lua, v, 0, &mut budget))
        .collect::<Result<Vec<Value>, String>>()
        .map_err(|why| Fail::Raise(format!("{module}.{function}: result of its mock: {why}")))?;
    Ok(MultiValue::from_vec(back))
}

/// The message of a mock's error, without mlua's wrapping and traceback.
fn mock_error(e: &mlua::Error) -> String {
    match e {
        mlua::Error::RuntimeError(message) => {
            message.split("\nstack traceback:").next().unwrap_or_default().to_string()
        }
        mlua::Error::CallbackError { cause, .. } => mock_error(cause),
        mlua::Error::MemoryError(_) => "not enough memory".into(),
        other => other.to_string().lines().next().unwrap_or_default().to_string(),
    }
}

/// `v` rebuilt in the state `to`: nil, booleans, numbers, strings and tables of them.
fn copy(to: &Lua, v: &Value, depth: usize, budget: &mut usize) -> Result<Value, String> {
    Ok(match v {
        Value::Nil => Value::Nil,
        Value::Boolean(b) => Value::Boolean(*b),
        Value::Integer(i) => Value::Integer(*i),
        Value::Number(x) => Value::Number(*x),
        Value::String(s) => Value::String(to.create_string(s.as_bytes()).map_err(|e| e.to_string())?),
        Value::Table(t) => {
            if depth >= MAX_COPY_DEPTH {
                return Err(format!("tables nested deeper than {MAX_COPY_DEPTH} levels (or a cycle)"));
            }
            let out = to.create_table().map_err(|e| e.to_string())?;
            for pair in t.pairs::<Value, Value>() {
                let (k, v) = pair.map_err(|e| e.to_string())?;
                if *budget == 0 {
                    return Err(format!("more than {MAX_COPY_ENTRIES} table entries"));
                }
                *budget -= 1;
                let (k, v) = (copy(to, &k, depth + 1, budget)?, copy(to, &v, depth + 1, budget)?);
                out.raw_set(k, v).map_err(|e| e.to_string())?;
            }
            Value::Table(out)
        }
        other => {
            return Err(format!(
                "a {} cannot cross to or from a mock (nil, booleans, numbers, strings and tables can)",
                super::args::type_name(other)
            ))
        }
    })
}
