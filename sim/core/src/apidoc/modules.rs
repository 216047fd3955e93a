//! The user's own firmware modules, as a project declares them (`crate::project`): each one's
//! surface (an API description entry) and, optionally, the Lua source of its mock.
//!
//! Only the simulator has them (like the `luatos` bindings): `contract.h` does not list them and
//! the firmware build that really has them brings its own C.

use super::signature::Signature;
use super::{Entry, Kind};

/// Every user module of a project, in the order the project lists them (sorted by name).
#[derive(Debug, Clone, Default)]
pub struct UserModules(pub Vec<UserModule>);

/// One user module: a global table of functions and constants.
#[derive(Debug, Clone)]
pub struct UserModule {
    /// The global scripts reach it by (`Display`).
    pub name: String,
    /// Its surface as described (doc, fields), for the linter and the editor definitions.
    pub entry: Entry,
    pub functions: Vec<UserFunction>,
    /// Constants with their values (`WIDTH = 128`).
    pub constants: Vec<(String, serde_json::Value)>,
    pub mock: Option<MockSource>,
}

/// One function of a user module, with the signature its arguments are checked against.
#[derive(Debug, Clone)]
pub struct UserFunction {
    pub name: String,
    pub signature: Signature,
}

/// A mock's Lua source and the chunk name its errors carry (its path from the project root).
#[derive(Debug, Clone)]
pub struct MockSource {
    pub chunk_name: String,
    pub source: String,
}

/// Most functions all user modules may have together (the bindings' trampolines are counted).
pub const MAX_USER_FUNCTIONS: usize = 128;

impl UserModules {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, name: &str) -> Option<&UserModule> {
        self.0.iter().find(|m| m.name == name)
    }

    /// The module and function a dotted name (`BME280.read`) names.
    pub fn function(&self, dotted: &str) -> Option<(&UserModule, &UserFunction)> {
        let (module, function) = dotted.split_once('.')?;
        let m = self.get(module)?;
        Some((m, m.functions.iter().find(|f| f.name == function)?))
    }

    /// Every function as `Module.function`, sorted.
    pub fn function_names(&self) -> Vec<String> {
        self.0.iter().flat_map(|m| m.functions.iter().map(move |f| format!("{}.{}", m.name, f.name))).collect()
    }

    /// Why `dotted` names no declared function, with the nearest one when it is a likely typo.
    pub fn unknown_function(&self, dotted: &str) -> String {
        let names = self.function_names();
        let near = crate::suggest::nearest(dotted, names.iter().map(String::as_str));
        let hint = near.map_or(String::new(), |(n, _)| crate::suggest::did_you_mean(n));
        if names.is_empty() {
            format!("`{dotted}` is not a function of a user module (the project declares no `modules:`)")
        } else {
            format!("`{dotted}` is not a function of a user module (declared: {}){hint}", names.join(", "))
        }
    }
}

/// A user module from its described entry: a table whose fields are functions or constants.
/// (Whether its name is free is the project's to say: it knows the bindings.)
/// Why a described entry is not a user module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModuleError {
    #[error("module `{0}`: a module's name is the Lua global scripts use, such as `Display`")]
    Name(String),
    #[error(
        "module `{0}`: `needs:` is for luasim's optional modules; a project's own module is in the build whenever \
         the project declares it"
    )]
    Needs(String),
    #[error("module `{0}`: the surface is a module table: `fields:` with its functions and constants")]
    NotATable(String),
    #[error("`{module}.{field}`: a constant of a user module needs its value: `{{ value: {ty}, equals: ... }}`")]
    ConstantWithoutValue { module: String, field: String, ty: String },
    #[error("`{module}.{field}`: a user module's fields are functions (`fn:`) or constants (`value:`)")]
    Field { module: String, field: String },
}

pub fn from_entry(name: &str, entry: Entry, mock: Option<MockSource>) -> Result<UserModule, ModuleError> {
    let valid_name = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid_name {
        return Err(ModuleError::Name(name.to_string()));
    }
    if entry.needs.is_some() {
        return Err(ModuleError::Needs(name.to_string()));
    }
    let Kind::Table { fields, open: false } = &entry.kind else {
        return Err(ModuleError::NotATable(name.to_string()));
    };
    let (mut functions, mut constants) = (Vec::new(), Vec::new());
    for (field, e) in fields {
        match (&e.kind, &e.equals) {
            (Kind::Function(signature), _) => {
                functions.push(UserFunction { name: field.clone(), signature: signature.clone() })
            }
            (Kind::Value(_), Some(value)) => constants.push((field.clone(), value.clone())),
            (Kind::Value(ty), None) => {
                return Err(ModuleError::ConstantWithoutValue {
                    module: name.to_string(),
                    field: field.clone(),
                    ty: ty.to_string(),
                })
            }
            (Kind::Table { .. }, _) => {
                return Err(ModuleError::Field { module: name.to_string(), field: field.clone() })
            }
        }
    }
    Ok(UserModule { name: name.to_string(), entry, functions, constants, mock })
}
