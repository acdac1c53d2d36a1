//! The rule language's parser and type checker: a condition becomes an [`Expr`] whose every
//! node is known to be well typed, or a [`RuleError`] naming the column and the reason.
//!
//! ```text
//! condition := or
//! or        := and { ("or" | "||") and }
//! and       := not { ("and" | "&&") not }
//! not       := ("not" | "!") not | compare
//! compare   := sum [ ("==" | "!=" | "<" | "<=" | ">" | ">=") sum ]
//!            | sum "in" "[" literal { "," literal } "]"
//! sum       := product { ("+" | "-") product }
//! product   := unary { ("*" | "/") unary }
//! unary     := "-" unary | atom
//! atom      := number | 'text' | "text" | true | false | fact | "(" or ")"
//! ```

use super::facts::Fact;
use super::lexer::{Tok, Token, tokens};
use super::{RuleError, Type};

/// Longest condition accepted, in characters; and deepest nesting.
const MAX_LEN: usize = 2_000;
const MAX_DEPTH: usize = 32;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// An arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arith {
    Add,
    Sub,
    Mul,
    Div,
}

/// A checked condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(f64),
    Bool(bool),
    Text(String),
    Fact(Fact),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Arith(Arith, Box<Expr>, Box<Expr>),
    Compare(Cmp, Box<Expr>, Box<Expr>),
    /// `x in [..]`: the literals all have `x`'s type.
    In(Box<Expr>, Vec<Expr>),
}

impl Expr {
    /// Whether any fact it names changes with time.
    pub fn timed(&self) -> bool {
        self.any_fact(&|f| f.timed())
    }

    /// Whether it names a fact of the current step (its findings are step cards).
    pub fn of_step(&self) -> bool {
        self.any_fact(&|f| f.of_step())
    }

    fn any_fact(&self, p: &dyn Fn(Fact) -> bool) -> bool {
        match self {
            Expr::Fact(f) => p(*f),
            Expr::Num(_) | Expr::Bool(_) | Expr::Text(_) => false,
            Expr::Neg(e) | Expr::Not(e) => e.any_fact(p),
            Expr::And(a, b) | Expr::Or(a, b) | Expr::Arith(_, a, b) | Expr::Compare(_, a, b) => {
                a.any_fact(p) || b.any_fact(p)
            }
            Expr::In(e, list) => e.any_fact(p) || list.iter().any(|x| x.any_fact(p)),
        }
    }

    /// Every fact named, once each, in order of appearance.
    pub fn facts(&self) -> Vec<Fact> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect(&self, out: &mut Vec<Fact>) {
        match self {
            Expr::Fact(f) if !out.contains(f) => out.push(*f),
            Expr::Fact(_) | Expr::Num(_) | Expr::Bool(_) | Expr::Text(_) => {}
            Expr::Neg(e) | Expr::Not(e) => e.collect(out),
            Expr::And(a, b) | Expr::Or(a, b) | Expr::Arith(_, a, b) | Expr::Compare(_, a, b) => {
                a.collect(out);
                b.collect(out);
            }
            Expr::In(e, list) => {
                e.collect(out);
                list.iter().for_each(|x| x.collect(out));
            }
        }
    }
}

/// Parses and type-checks a condition, which must be boolean.
pub fn parse(src: &str) -> Result<Expr, RuleError> {
    if src.chars().count() > MAX_LEN {
        return Err(RuleError::at(
            MAX_LEN + 1,
            format!("a condition has at most {MAX_LEN} characters"),
        ));
    }
    let toks = tokens(src)?;
    let mut p = Parser { toks, pos: 0 };
    let (expr, ty, col) = p.or(0)?;
    let end = p.peek();
    if end.tok != Tok::End {
        return Err(RuleError::at(
            end.col,
            "expected `and`, `or` or the end here",
        ));
    }
    if ty != Type::Bool {
        return Err(RuleError::at(
            col,
            format!("a condition must be true or false, not a {}", ty.name()),
        ));
    }
    Ok(expr)
}

struct Parser {
    toks: Vec<Token>,
    pos: usize,
}

/// A parsed piece, its type and the column it starts at.
type Typed = (Expr, Type, usize);

impl Parser {
    fn peek(&self) -> Token {
        self.toks.get(self.pos).cloned().unwrap_or(Token {
            tok: Tok::End,
            col: 0,
        })
    }

    fn bump(&mut self) -> Token {
        let t = self.peek();
        self.pos += 1;
        t
    }

    fn want(col: usize, ty: Type, want: Type, what: &str) -> Result<(), RuleError> {
        if ty == want {
            Ok(())
        } else {
            Err(RuleError::at(
                col,
                format!("{what} needs a {}, not a {}", want.name(), ty.name()),
            ))
        }
    }

    fn or(&mut self, depth: usize) -> Result<Typed, RuleError> {
        if depth > MAX_DEPTH {
            return Err(RuleError::at(self.peek().col, "nested too deeply"));
        }
        let (mut left, ty, col) = self.and(depth)?;
        let mut ty = ty;
        while self.peek().tok == Tok::Or {
            self.bump();
            Self::want(col, ty, Type::Bool, "`or`")?;
            let (right, rty, rcol) = self.and(depth)?;
            Self::want(rcol, rty, Type::Bool, "`or`")?;
            left = Expr::Or(Box::new(left), Box::new(right));
            ty = Type::Bool;
        }
        Ok((left, ty, col))
    }

    fn and(&mut self, depth: usize) -> Result<Typed, RuleError> {
        let (mut left, mut ty, col) = self.not(depth)?;
        while self.peek().tok == Tok::And {
            self.bump();
            Self::want(col, ty, Type::Bool, "`and`")?;
            let (right, rty, rcol) = self.not(depth)?;
            Self::want(rcol, rty, Type::Bool, "`and`")?;
            left = Expr::And(Box::new(left), Box::new(right));
            ty = Type::Bool;
        }
        Ok((left, ty, col))
    }

    fn not(&mut self, depth: usize) -> Result<Typed, RuleError> {
        if self.peek().tok == Tok::Not {
            let t = self.bump();
            if depth > MAX_DEPTH {
                return Err(RuleError::at(t.col, "nested too deeply"));
            }
            let (e, ty, col) = self.not(depth + 1)?;
            Self::want(col, ty, Type::Bool, "`not`")?;
            return Ok((Expr::Not(Box::new(e)), Type::Bool, t.col));
        }
        self.compare(depth)
    }

    fn compare(&mut self, depth: usize) -> Result<Typed, RuleError> {
        let (left, ty, col) = self.sum(depth)?;
        let t = self.peek();
        let op = match t.tok {
            Tok::Eq => Cmp::Eq,
            Tok::Ne => Cmp::Ne,
            Tok::Lt => Cmp::Lt,
            Tok::Le => Cmp::Le,
            Tok::Gt => Cmp::Gt,
            Tok::Ge => Cmp::Ge,
            Tok::In => return self.member(left, ty, col),
            _ => return Ok((left, ty, col)),
        };
        self.bump();
        let (right, rty, rcol) = self.sum(depth)?;
        if rty != ty {
            return Err(RuleError::at(
                rcol,
                format!("cannot compare a {} with a {}", ty.name(), rty.name()),
            ));
        }
        if ty != Type::Num && !matches!(op, Cmp::Eq | Cmp::Ne) {
            return Err(RuleError::at(
                t.col,
                format!("a {} can only be compared with == or !=", ty.name()),
            ));
        }
        if matches!(
            self.peek().tok,
            Tok::Eq | Tok::Ne | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge
        ) {
            return Err(RuleError::at(
                self.peek().col,
                "comparisons do not chain: join them with `and`",
            ));
        }
        Ok((
            Expr::Compare(op, Box::new(left), Box::new(right)),
            Type::Bool,
            col,
        ))
    }

    fn member(&mut self, left: Expr, ty: Type, col: usize) -> Result<Typed, RuleError> {
        self.bump();
        let open = self.bump();
        if open.tok != Tok::LBracket {
            return Err(RuleError::at(open.col, "`in` needs a list: [a, b, …]"));
        }
        let mut list = Vec::new();
        loop {
            let t = self.bump();
            let (item, ity) = match t.tok {
                Tok::Num(n) => (Expr::Num(n), Type::Num),
                Tok::Text(s) => (Expr::Text(s), Type::Text),
                Tok::True => (Expr::Bool(true), Type::Bool),
                Tok::False => (Expr::Bool(false), Type::Bool),
                _ => return Err(RuleError::at(t.col, "a list holds numbers or texts")),
            };
            if ity != ty {
                return Err(RuleError::at(
                    t.col,
                    format!("a list for a {} cannot hold a {}", ty.name(), ity.name()),
                ));
            }
            list.push(item);
            let sep = self.bump();
            match sep.tok {
                Tok::Comma => continue,
                Tok::RBracket => break,
                _ => return Err(RuleError::at(sep.col, "expected `,` or `]`")),
            }
        }
        Ok((Expr::In(Box::new(left), list), Type::Bool, col))
    }

    fn sum(&mut self, depth: usize) -> Result<Typed, RuleError> {
        let (mut left, ty, col) = self.product(depth)?;
        loop {
            let op = match self.peek().tok {
                Tok::Plus => Arith::Add,
                Tok::Minus => Arith::Sub,
                _ => return Ok((left, ty, col)),
            };
            self.bump();
            Self::want(col, ty, Type::Num, &format!("`{}`", symbol(op)))?;
            let (right, rty, rcol) = self.product(depth)?;
            Self::want(rcol, rty, Type::Num, &format!("`{}`", symbol(op)))?;
            left = Expr::Arith(op, Box::new(left), Box::new(right));
        }
    }

    fn product(&mut self, depth: usize) -> Result<Typed, RuleError> {
        let (mut left, ty, col) = self.unary(depth)?;
        loop {
            let op = match self.peek().tok {
                Tok::Star => Arith::Mul,
                Tok::Slash => Arith::Div,
                _ => return Ok((left, ty, col)),
            };
            self.bump();
            Self::want(col, ty, Type::Num, &format!("`{}`", symbol(op)))?;
            let (right, rty, rcol) = self.unary(depth)?;
            Self::want(rcol, rty, Type::Num, &format!("`{}`", symbol(op)))?;
            if op == Arith::Div && right == Expr::Num(0.0) {
                return Err(RuleError::at(rcol, "division by zero"));
            }
            left = Expr::Arith(op, Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self, depth: usize) -> Result<Typed, RuleError> {
        if self.peek().tok == Tok::Minus {
            let t = self.bump();
            if depth > MAX_DEPTH {
                return Err(RuleError::at(t.col, "nested too deeply"));
            }
            let (e, ty, col) = self.unary(depth + 1)?;
            Self::want(col, ty, Type::Num, "`-`")?;
            return Ok((Expr::Neg(Box::new(e)), Type::Num, t.col));
        }
        self.atom(depth)
    }

    fn atom(&mut self, depth: usize) -> Result<Typed, RuleError> {
        let t = self.bump();
        let col = t.col;
        Ok(match t.tok {
            Tok::Num(n) => (Expr::Num(n), Type::Num, col),
            Tok::Text(s) => (Expr::Text(s), Type::Text, col),
            Tok::True => (Expr::Bool(true), Type::Bool, col),
            Tok::False => (Expr::Bool(false), Type::Bool, col),
            Tok::Ident(name) => {
                let fact = Fact::parse(&name)
                    .ok_or_else(|| RuleError::at(col, format!("no fact is called `{name}`")))?;
                (Expr::Fact(fact), fact.ty(), col)
            }
            Tok::LParen => {
                let (e, ty, _) = self.or(depth + 1)?;
                let close = self.bump();
                if close.tok != Tok::RParen {
                    return Err(RuleError::at(close.col, "expected `)`"));
                }
                (e, ty, col)
            }
            Tok::End => return Err(RuleError::at(col, "the condition ends too early")),
            _ => return Err(RuleError::at(col, "expected a value, a fact or `(`")),
        })
    }
}

fn symbol(op: Arith) -> &'static str {
    match op {
        Arith::Add => "+",
        Arith::Sub => "-",
        Arith::Mul => "*",
        Arith::Div => "/",
    }
}
