//! What a script does with globals, found by walking its syntax tree (full_moon).
//!
//! The walk resolves every name to a local or a global, the way Lua scopes them, and records
//! each use of a global as a static path (`Telegram.broadcast`) with its position: read,
//! written, or called with which arguments (literals kept, so their types can be checked). A
//! local that merely renames a global path (`local T = Telegram`) is followed. It also records
//! which code only runs after a test of a global (`if Telegram then ... end`, `Telegram and
//! Telegram.send(...)`, `if not Telegram then return end`), so an optional module used behind
//! such a guard is not reported. The lints work on this list, not on the tree.

use full_moon::ast::{
    self, BinOp, Block, Call, Expression, Field, FunctionArgs, FunctionBody, Index, LastStmt, Parameter, Prefix, Stmt,
    Suffix, Var,
};
use full_moon::node::Node;
use full_moon::tokenizer::{Symbol, TokenReference, TokenType};
use full_moon::LuaVersion;
use std::collections::BTreeSet;

/// A 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

/// One use of a global.
#[derive(Debug, Clone)]
pub struct Use {
    /// `["Telegram", "broadcast"]`; the part a local alias stands for comes first.
    pub path: Vec<String>,
    /// Where each element of `path` is written (an alias's elements sit at the local's name).
    pub at: Vec<Pos>,
    pub access: Access,
    /// Runs when the file runs (not inside a function body).
    pub top_level: bool,
    /// A write of the module of the global's own name, `sys = require "sys"`: the global gets
    /// the table it already holds (or the `require` fails at run time).
    pub rebinds_module: bool,
    /// Byte offset, for guards.
    byte: usize,
}

#[derive(Debug, Clone)]
pub enum Access {
    Read,
    Write,
    Call(CallSite),
}

#[derive(Debug, Clone)]
pub struct CallSite {
    pub args: Vec<Arg>,
    /// The last argument is a call or `...`: more values may follow.
    pub open_ended: bool,
    /// Called with `:`, so the table itself is passed first.
    pub method: bool,
}

#[derive(Debug, Clone)]
pub struct Arg {
    pub literal: Option<Literal>,
    pub at: Pos,
}

/// An argument whose type is known from the source.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Nil,
    Boolean,
    /// The number as written (`0x10`, `1.5`).
    Number(String),
    /// The string's text between the quotes, escapes as written.
    String(String),
    Table,
    Function,
}

impl Use {
    /// A read of the global itself (`if Telegram then`), not indexed or called.
    pub fn is_bare(&self) -> bool {
        self.path.len() == 1 && matches!(self.access, Access::Read)
    }

    pub fn name(&self) -> String {
        self.path.join(".")
    }
}

/// Code that runs only after a test of the global `name`.
#[derive(Debug, Clone)]
struct Guard {
    name: String,
    start: usize,
    end: usize,
}

/// Every use of a global in one script.
#[derive(Debug, Clone, Default)]
pub struct Scan {
    pub uses: Vec<Use>,
    /// Method calls on values that are no global (`s:toHex()` on a local or an expression).
    pub methods: Vec<MethodCall>,
    /// Names the script gives table fields anywhere (`M.split = ...`, `function M:split()`,
    /// `{ split = ... }`): a method call of such a name may be the script's own.
    pub fields_named: BTreeSet<String>,
    guards: Vec<Guard>,
}

/// `value:name(...)` where `value` is no global.
#[derive(Debug, Clone)]
pub struct MethodCall {
    pub name: String,
    pub at: Pos,
}

impl Scan {
    /// Whether `u` sits behind a test of its root global.
    pub fn guarded(&self, u: &Use) -> bool {
        self.guards.iter().any(|g| g.name == u.path[0] && (g.start..g.end).contains(&u.byte))
    }
}

/// Stack for the walk: full_moon's parser and this walk recurse once per nesting level, and the
/// device's parser already allows only shallow nesting (LUAI_MAXCCALLS), so this is plenty.
const STACK_BYTES: usize = 64 << 20;

/// Largest script the lint reads. full_moon's lossless tree takes about 380 host bytes per
/// byte of source (1 MB: 370 MB, 5 MB: 1.8 GB), so bigger scripts are parsed by the device's
/// Lua only and not linted. A device's whole Lua heap is 160 to 320 KB, and its scripts are
/// compiled into it, so 256 KB of source (about 100 MB to lint) is past any script that runs.
pub const MAX_LINT_BYTES: usize = 256 << 10;

/// Why a script was not linted.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// Past `MAX_LINT_BYTES`.
    #[error("{bytes} bytes is more than the {} KB it reads; the device's own parser did check it", MAX_LINT_BYTES >> 10)]
    TooBig { bytes: usize },
    /// full_moon's first complaint about what the device's parser accepted (newer syntax).
    #[error("{0}")]
    Parse(#[source] Box<full_moon::Error>),
    /// full_moon refused without saying why.
    #[error("cannot parse")]
    Unparsed,
    #[error("cannot start the lint thread: {0}")]
    Thread(#[source] std::io::Error),
    #[error("the Lua parser failed on this file")]
    Panicked,
}

/// Parses `source` as Lua 5.4 and collects its uses of globals. `Err` is full_moon's message
/// when it cannot parse what the device's parser accepted (newer syntax), or says that the
/// script is too big to lint.
pub fn scan(source: &str) -> Result<Scan, ScanError> {
    if source.len() > MAX_LINT_BYTES {
        return Err(ScanError::TooBig { bytes: source.len() });
    }
    std::thread::scope(|s| {
        let handle = std::thread::Builder::new()
            .name("luasim-check-scan".into())
            .stack_size(STACK_BYTES)
            .spawn_scoped(s, || scan_here(source))
            .map_err(ScanError::Thread)?;
        handle.join().unwrap_or(Err(ScanError::Panicked))
    })
}

fn scan_here(source: &str) -> Result<Scan, ScanError> {
    let ast = full_moon::parse_fallible(source, LuaVersion::lua54())
        .into_result()
        .map_err(|errors| errors.into_iter().next().map_or(ScanError::Unparsed, |e| ScanError::Parse(Box::new(e))))?;
    let mut walker = Walker::default();
    walker.block(ast.nodes());
    Ok(Scan { uses: walker.uses, methods: walker.methods, fields_named: walker.fields_named, guards: walker.guards })
}

struct Local {
    name: String,
    /// The global path this local was initialised from, when it only renames it.
    alias: Option<Vec<String>>,
}

enum Resolved {
    Global,
    Local(Option<Vec<String>>),
}

#[derive(Default)]
struct Walker {
    scopes: Vec<Vec<Local>>,
    /// Function bodies around the current code.
    depth: usize,
    uses: Vec<Use>,
    methods: Vec<MethodCall>,
    fields_named: BTreeSet<String>,
    guards: Vec<Guard>,
}

fn pos(node: &impl Node) -> Pos {
    node.start_position().map_or(Pos { line: 0, column: 0 }, |p| Pos { line: p.line(), column: p.character() })
}

fn byte(node: &impl Node) -> usize {
    node.start_position().map_or(0, |p| p.bytes())
}

fn range(node: &impl Node) -> Option<(usize, usize)> {
    node.range().map(|(a, b)| (a.bytes(), b.bytes()))
}

fn text(token: &TokenReference) -> String {
    token.token().to_string()
}

fn symbol(token: &TokenReference) -> Option<&Symbol> {
    match token.token().token_type() {
        TokenType::Symbol { symbol } => Some(symbol),
        _ => None,
    }
}

/// The literal value of an expression, if the source says it.
fn literal(expression: &Expression) -> Option<Literal> {
    match expression {
        Expression::Number(t) => Some(Literal::Number(text(t))),
        Expression::String(t) => string_literal(t).map(Literal::String),
        Expression::Symbol(t) => match symbol(t)? {
            Symbol::Nil => Some(Literal::Nil),
            Symbol::True | Symbol::False => Some(Literal::Boolean),
            _ => None,
        },
        Expression::TableConstructor(_) => Some(Literal::Table),
        Expression::Function(_) => Some(Literal::Function),
        Expression::Parentheses { expression, .. } => literal(expression),
        Expression::UnaryOperator { unop: ast::UnOp::Minus(_), expression } => match literal(expression)? {
            Literal::Number(n) => Some(Literal::Number(format!("-{n}"))),
            _ => None,
        },
        _ => None,
    }
}

fn string_literal(token: &TokenReference) -> Option<String> {
    match token.token().token_type() {
        TokenType::StringLiteral { literal, .. } => Some(literal.to_string()),
        _ => None,
    }
}

fn is_open_ended(expression: &Expression) -> bool {
    match expression {
        Expression::FunctionCall(_) => true,
        Expression::Symbol(t) => symbol(t) == Some(&Symbol::Ellipsis),
        _ => false,
    }
}

fn call_args(args: &FunctionArgs) -> (Vec<&Expression>, Vec<Arg>, bool) {
    match args {
        FunctionArgs::Parentheses { arguments, .. } => {
            let exprs: Vec<&Expression> = arguments.iter().collect();
            let list = exprs.iter().map(|e| Arg { literal: literal(e), at: pos(*e) }).collect();
            let open = exprs.last().is_some_and(|e| is_open_ended(e));
            (exprs, list, open)
        }
        FunctionArgs::String(t) => {
            (vec![], vec![Arg { literal: string_literal(t).map(Literal::String), at: pos(t) }], false)
        }
        FunctionArgs::TableConstructor(t) => {
            (vec![], vec![Arg { literal: Some(Literal::Table), at: pos(&**t) }], false)
        }
        _ => (vec![], vec![], true),
    }
}

impl Walker {
    fn resolve(&self, name: &str) -> Resolved {
        for scope in self.scopes.iter().rev() {
            if let Some(local) = scope.iter().rev().find(|l| l.name == name) {
                return Resolved::Local(local.alias.clone());
            }
        }
        Resolved::Global
    }

    fn declare(&mut self, name: String, alias: Option<Vec<String>>) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.push(Local { name, alias });
        }
    }

    fn record(&mut self, path: Vec<String>, at: Vec<Pos>, access: Access, byte: usize) {
        self.uses.push(Use { path, at, access, top_level: self.depth == 0, rebinds_module: false, byte });
    }

    /// Globals read bare (as a test) among the uses recorded since `from`.
    fn tested_since(&self, from: usize) -> Vec<String> {
        let mut names: Vec<String> =
            self.uses[from..].iter().filter(|u| u.is_bare()).map(|u| u.path[0].clone()).collect();
        names.dedup();
        names
    }

    fn guard(&mut self, names: &[String], span: Option<(usize, usize)>) {
        if let Some((start, end)) = span {
            for name in names {
                self.guards.push(Guard { name: name.clone(), start, end });
            }
        }
    }

    /// The global path a name stands for: itself when global, its alias when a renaming local.
    fn root_path(&self, token: &TokenReference) -> Option<Vec<String>> {
        let name = text(token);
        match self.resolve(&name) {
            Resolved::Global => Some(vec![name]),
            Resolved::Local(alias) => alias,
        }
    }

    /// The static global path an expression names (`MQTT.publish`), without recording it.
    /// The module name of `require "name"` / `require("name")` with the global `require`.
    fn required_module(&self, expression: &Expression) -> Option<String> {
        let Expression::FunctionCall(call) = expression else { return None };
        let Prefix::Name(name) = call.prefix() else { return None };
        if text(name) != "require" || !matches!(self.resolve("require"), Resolved::Global) {
            return None;
        }
        let suffixes: Vec<&Suffix> = call.suffixes().collect();
        let [Suffix::Call(Call::AnonymousCall(args))] = suffixes.as_slice() else { return None };
        match call_args(args).1.as_slice() {
            [Arg { literal: Some(Literal::String(module)), .. }] => Some(module.clone()),
            _ => None,
        }
    }

    fn static_path(&self, expression: &Expression) -> Option<Vec<String>> {
        match expression {
            Expression::Var(Var::Name(t)) => self.root_path(t),
            Expression::Var(Var::Expression(ve)) => {
                let Prefix::Name(t) = ve.prefix() else { return None };
                let mut path = self.root_path(t)?;
                for suffix in ve.suffixes() {
                    match suffix {
                        Suffix::Index(Index::Dot { name, .. }) => path.push(text(name)),
                        Suffix::Index(Index::Brackets { expression, .. }) => match &**expression {
                            Expression::String(s) => path.push(string_literal(s)?),
                            _ => return None,
                        },
                        _ => return None,
                    }
                }
                Some(path)
            }
            _ => None,
        }
    }

    fn block(&mut self, block: &Block) {
        self.scopes.push(Vec::new());
        self.statements(block);
        self.scopes.pop();
    }

    /// The statements of `block` in the current scope.
    fn statements(&mut self, block: &Block) {
        let end = range(block).map(|(_, end)| end);
        for stmt in block.stmts() {
            let tested = self.statement(stmt);
            // `if not Telegram then return end`: what follows runs only when the test passed.
            if let (Stmt::If(i), Some(end)) = (stmt, end) {
                if exits(i.block()) {
                    let after = range(stmt).map(|(_, e)| (e, end));
                    self.guard(&tested, after);
                }
            }
        }
        if let Some(LastStmt::Return(r)) = block.last_stmt() {
            for e in r.returns().iter() {
                self.expression(e);
            }
        }
    }

    /// Walks a statement; for an `if`, returns the globals its conditions test.
    fn statement(&mut self, stmt: &Stmt) -> Vec<String> {
        match stmt {
            Stmt::Assignment(a) => {
                let exprs: Vec<&Expression> = a.expressions().iter().collect();
                for e in &exprs {
                    self.expression(e);
                }
                for (i, var) in a.variables().iter().enumerate() {
                    match var {
                        Var::Name(t) => {
                            if let Resolved::Global = self.resolve(&text(t)) {
                                self.record(vec![text(t)], vec![pos(t)], Access::Write, byte(t));
                                let required = exprs.get(i).and_then(|e| self.required_module(e));
                                if let Some(last) = self.uses.last_mut() {
                                    last.rebinds_module = required.is_some_and(|m| m == text(t));
                                }
                            }
                        }
                        Var::Expression(ve) => {
                            if let Some(name) = ve.suffixes().last().and_then(field_name) {
                                self.fields_named.insert(name);
                            }
                            self.chain(ve.prefix(), ve.suffixes().collect(), true)
                        }
                        _ => {}
                    }
                }
            }
            Stmt::LocalAssignment(l) => {
                let exprs: Vec<&Expression> = l.expressions().iter().collect();
                for e in &exprs {
                    self.expression(e);
                }
                let aliases: Vec<Option<Vec<String>>> =
                    (0..l.names().len()).map(|i| exprs.get(i).and_then(|e| self.static_path(e))).collect();
                for (name, alias) in l.names().iter().zip(aliases) {
                    self.declare(text(name), alias);
                }
            }
            Stmt::LocalFunction(f) => {
                self.declare(text(f.name()), None);
                self.body(f.body(), false);
            }
            Stmt::FunctionDeclaration(f) => {
                let name = f.name();
                let names: Vec<&TokenReference> = name.names().iter().collect();
                if let Some(last) = name.method_name().or_else(|| names.last().copied().filter(|_| names.len() > 1)) {
                    self.fields_named.insert(text(last));
                }
                if let Some(first) = names.first() {
                    if let Resolved::Global = self.resolve(&text(first)) {
                        let mut path: Vec<String> = names.iter().map(|t| text(t)).collect();
                        let mut at: Vec<Pos> = names.iter().map(|t| pos(*t)).collect();
                        if let Some(m) = name.method_name() {
                            path.push(text(m));
                            at.push(pos(m));
                        }
                        self.record(path, at, Access::Write, byte(*first));
                    }
                }
                self.body(f.body(), name.method_name().is_some());
            }
            Stmt::FunctionCall(call) => self.chain(call.prefix(), call.suffixes().collect(), false),
            Stmt::Do(d) => self.block(d.block()),
            Stmt::While(w) => {
                self.expression(w.condition());
                self.block(w.block());
            }
            Stmt::Repeat(r) => {
                self.scopes.push(Vec::new());
                self.statements(r.block());
                self.expression(r.until());
                self.scopes.pop();
            }
            Stmt::If(i) => return self.if_statement(stmt, i),
            Stmt::NumericFor(f) => {
                self.expression(f.start());
                self.expression(f.end());
                if let Some(step) = f.step() {
                    self.expression(step);
                }
                self.scopes.push(vec![Local { name: text(f.index_variable()), alias: None }]);
                self.statements(f.block());
                self.scopes.pop();
            }
            Stmt::GenericFor(f) => {
                for e in f.expressions().iter() {
                    self.expression(e);
                }
                self.scopes.push(f.names().iter().map(|n| Local { name: text(n), alias: None }).collect());
                self.statements(f.block());
                self.scopes.pop();
            }
            _ => {}
        }
        Vec::new()
    }

    fn if_statement(&mut self, stmt: &Stmt, i: &ast::If) -> Vec<String> {
        let mut tested = Vec::new();
        let from = self.uses.len();
        self.expression(i.condition());
        tested.extend(self.tested_since(from));
        self.block(i.block());
        for branch in i.else_if().into_iter().flatten() {
            let from = self.uses.len();
            self.expression(branch.condition());
            tested.extend(self.tested_since(from));
            self.block(branch.block());
        }
        if let Some(b) = i.else_block() {
            self.block(b);
        }
        self.guard(&tested, range(stmt));
        tested
    }

    fn body(&mut self, body: &FunctionBody, method: bool) {
        self.depth += 1;
        let mut params: Vec<Local> = body
            .parameters()
            .iter()
            .filter_map(|p| match p {
                Parameter::Name(t) => Some(Local { name: text(t), alias: None }),
                _ => None,
            })
            .collect();
        if method {
            params.push(Local { name: "self".into(), alias: None });
        }
        self.scopes.push(params);
        self.statements(body.block());
        self.scopes.pop();
        self.depth -= 1;
    }

    fn expression(&mut self, expression: &Expression) {
        match expression {
            Expression::BinaryOperator { lhs, binop, rhs } => {
                let from = self.uses.len();
                self.expression(lhs);
                let tested = if matches!(binop, BinOp::And(_)) { self.tested_since(from) } else { Vec::new() };
                self.expression(rhs);
                self.guard(&tested, range(&**rhs));
            }
            Expression::Parentheses { expression, .. } | Expression::UnaryOperator { expression, .. } => {
                self.expression(expression)
            }
            Expression::Function(f) => self.body(f.body(), false),
            Expression::FunctionCall(call) => self.chain(call.prefix(), call.suffixes().collect(), false),
            Expression::TableConstructor(t) => self.table(t),
            Expression::Var(Var::Name(t)) => {
                if let Some(path) = self.root_path(t) {
                    let at = vec![pos(t); path.len()];
                    self.record(path, at, Access::Read, byte(t));
                }
            }
            Expression::Var(Var::Expression(ve)) => self.chain(ve.prefix(), ve.suffixes().collect(), false),
            _ => {}
        }
    }

    /// `prefix.a.b(args):c(...)`: records the global path up to the first call or dynamic
    /// index, as a call, a write (the assignment target) or a read.
    fn chain(&mut self, prefix: &Prefix, suffixes: Vec<&Suffix>, write: bool) {
        let start = byte(prefix);
        let mut path: Option<(Vec<String>, Vec<Pos>)> = match prefix {
            Prefix::Name(t) => self.root_path(t).map(|p| {
                let at = vec![pos(t); p.len()];
                (p, at)
            }),
            Prefix::Expression(e) => {
                self.expression(e);
                None
            }
            _ => None,
        };
        for suffix in suffixes {
            match suffix {
                Suffix::Index(Index::Dot { name, .. }) => {
                    if let Some((p, at)) = path.as_mut() {
                        p.push(text(name));
                        at.push(pos(name));
                    }
                }
                Suffix::Index(Index::Brackets { expression, .. }) => {
                    self.expression(expression);
                    let key = match &**expression {
                        Expression::String(s) => string_literal(s),
                        _ => None,
                    };
                    match (path.as_mut(), key) {
                        (Some((p, at)), Some(key)) => {
                            p.push(key);
                            at.push(pos(&**expression));
                        }
                        (Some(_), None) => {
                            let (p, at) = path.take().expect("checked");
                            self.record(p, at, Access::Read, start);
                        }
                        (None, _) => {}
                    }
                }
                Suffix::Call(Call::AnonymousCall(args)) => {
                    let (exprs, list, open_ended) = call_args(args);
                    if let Some((p, at)) = path.take() {
                        self.record(p, at, Access::Call(CallSite { args: list, open_ended, method: false }), start);
                    }
                    self.walk_args(args, exprs);
                }
                Suffix::Call(Call::MethodCall(m)) => {
                    let (exprs, list, open_ended) = call_args(m.args());
                    if let Some((mut p, mut at)) = path.take() {
                        p.push(text(m.name()));
                        at.push(pos(m.name()));
                        self.record(p, at, Access::Call(CallSite { args: list, open_ended, method: true }), start);
                    } else {
                        self.methods.push(MethodCall { name: text(m.name()), at: pos(m.name()) });
                    }
                    self.walk_args(m.args(), exprs);
                }
                _ => {}
            }
        }
        if let Some((p, at)) = path {
            let access = if write { Access::Write } else { Access::Read };
            self.record(p, at, access, start);
        }
    }

    fn table(&mut self, t: &ast::TableConstructor) {
        for field in t.fields().iter() {
            match field {
                Field::ExpressionKey { key, value, .. } => {
                    if let Expression::String(s) = &**key {
                        self.fields_named.extend(string_literal(s));
                    }
                    self.expression(key);
                    self.expression(value);
                }
                Field::NameKey { key, value, .. } => {
                    self.fields_named.insert(text(key));
                    self.expression(value)
                }
                Field::NoKey(value) => self.expression(value),
                _ => {}
            }
        }
    }

    fn walk_args(&mut self, args: &FunctionArgs, exprs: Vec<&Expression>) {
        if let FunctionArgs::TableConstructor(t) = args {
            self.table(t);
        }
        for e in exprs {
            self.expression(e);
        }
    }
}

/// The field a suffix names: `.name` or `["name"]`.
fn field_name(suffix: &Suffix) -> Option<String> {
    match suffix {
        Suffix::Index(Index::Dot { name, .. }) => Some(text(name)),
        Suffix::Index(Index::Brackets { expression, .. }) => match &**expression {
            Expression::String(s) => string_literal(s),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a block always leaves: ends in `return`, `break` or a call of `error`.
fn exits(block: &Block) -> bool {
    if block.last_stmt().is_some() {
        return true;
    }
    match block.stmts().last() {
        Some(Stmt::FunctionCall(call)) => {
            matches!(call.prefix(), Prefix::Name(t) if text(t) == "error") && call.suffixes().count() == 1
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(scan: &Scan) -> Vec<String> {
        scan.uses.iter().map(Use::name).collect()
    }

    #[test]
    fn locals_hide_globals_and_aliases_are_followed() {
        let scan = scan(
            "local log = 1\nlocal T, n = Telegram, 2\nfunction f(MQTT) MQTT.publish() end\nT.send('c', 'x')\nlog.info('a')\n",
        )
        .unwrap();
        assert_eq!(names(&scan), ["Telegram", "f", "Telegram.send"]);
        let Access::Call(call) = &scan.uses[2].access else { panic!("a call") };
        assert_eq!(call.args.len(), 2);
        assert_eq!(call.args[0].literal, Some(Literal::String("c".into())));
        assert_eq!(scan.uses[2].at, [Pos { line: 4, column: 1 }, Pos { line: 4, column: 3 }]);
    }

    #[test]
    fn calls_record_literals_positions_and_methods() {
        let scan = scan("  Telegram.brodcast(1, {}, ...)\nMQTT:publish 'x'\n").unwrap();
        let u = &scan.uses[0];
        assert_eq!(u.name(), "Telegram.brodcast");
        assert_eq!(u.at[1], Pos { line: 1, column: 12 });
        let Access::Call(call) = &u.access else { panic!("a call") };
        assert!(call.open_ended && !call.method);
        assert_eq!(call.args[1].literal, Some(Literal::Table));
        let Access::Call(call) = &scan.uses[1].access else { panic!("a call") };
        assert!(call.method && call.args.len() == 1);
    }

    #[test]
    fn top_level_writes_and_scopes() {
        let scan =
            scan("x = 1\nlocal function g() y = 2 end\nfor i = 1, 2 do i = 3 end\nrepeat local z until z\n").unwrap();
        let writes: Vec<(String, bool)> =
            scan.uses.iter().filter(|u| matches!(u.access, Access::Write)).map(|u| (u.name(), u.top_level)).collect();
        assert_eq!(writes, [("x".to_string(), true), ("y".to_string(), false)]);
        assert_eq!(names(&scan), ["x", "y"]);
    }

    #[test]
    fn guards_cover_if_blocks_and_expressions_and_early_exits() {
        let source = "if Telegram then Telegram.send('a', 'b') end\n\
                      local ok = Telegram and Telegram.broadcast('x')\n\
                      Telegram.broadcast('unguarded')\n\
                      local function f()\n  if not GNSS then return end\n  return GNSS.lastFix()\nend\n";
        let scan = scan(source).unwrap();
        let verdicts: Vec<(String, bool)> =
            scan.uses.iter().filter(|u| !u.is_bare()).map(|u| (u.name(), scan.guarded(u))).collect();
        assert_eq!(
            verdicts,
            [
                ("Telegram.send".to_string(), true),
                ("Telegram.broadcast".to_string(), true),
                ("Telegram.broadcast".to_string(), false),
                ("GNSS.lastFix".to_string(), true),
            ]
        );
    }

    #[test]
    fn scripts_past_the_lint_limit_are_not_parsed() {
        let big = "x = 1\n".repeat(MAX_LINT_BYTES / 6 + 1);
        let Err(why) = scan(&big) else { panic!("too big to lint") };
        assert_eq!(
            why.to_string(),
            format!("{} bytes is more than the 256 KB it reads; the device's own parser did check it", big.len())
        );
        assert!(scan(&"x = 1\n".repeat(MAX_LINT_BYTES / 6)).is_ok());
    }

    #[test]
    fn syntax_full_moon_cannot_read_is_an_error_not_a_panic() {
        assert!(scan("x = = 1").is_err());
        let deep = format!("x = {}1{}", "(".repeat(60), ")".repeat(60));
        assert!(scan(&deep).is_ok());
    }
}
