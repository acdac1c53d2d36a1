//! Evaluating a checked condition on a case, and finding the next day on which its verdict can
//! change without any event: the engine's timer.
//!
//! Every numeric sub-expression of a case is an affine function `a * rank + b` of the day's rank
//! (see `facts`), unless a rule multiplies or divides two timed values. A comparison of two
//! affine functions changes its verdict at most at one crossing point, so a condition can change
//! only at its comparisons' crossing points: the engine finds each comparison's flips and
//! combines them through `and`, `or` and `not`, instead of stepping through days. A condition
//! that is not affine is stepped day by day, up to a horizon.

use super::facts::{CaseClocks, Value};
use super::parser::{Arith, Cmp, Expr};

/// How far ahead (in working days) a non-affine condition is stepped.
const HORIZON: i32 = 520;

/// The condition's verdict on `case` on the day of rank `rank`.
pub fn holds(expr: &Expr, case: &CaseClocks, rank: i32) -> bool {
    matches!(value(expr, case, rank), Value::Bool(true))
}

fn num(v: Value<'_>) -> f64 {
    match v {
        Value::Num(n) => n,
        Value::Bool(b) => f64::from(u8::from(b)),
        Value::Text(_) => f64::NAN,
    }
}

fn value<'e>(expr: &'e Expr, case: &CaseClocks, rank: i32) -> Value<'e> {
    match expr {
        Expr::Num(n) => Value::Num(*n),
        Expr::Bool(b) => Value::Bool(*b),
        Expr::Text(s) => Value::Text(s),
        Expr::Fact(f) => case.value(*f, rank),
        Expr::Neg(e) => Value::Num(-num(value(e, case, rank))),
        Expr::Not(e) => Value::Bool(!holds(e, case, rank)),
        Expr::And(a, b) => Value::Bool(holds(a, case, rank) && holds(b, case, rank)),
        Expr::Or(a, b) => Value::Bool(holds(a, case, rank) || holds(b, case, rank)),
        Expr::Arith(op, a, b) => {
            let (x, y) = (num(value(a, case, rank)), num(value(b, case, rank)));
            Value::Num(match op {
                Arith::Add => x + y,
                Arith::Sub => x - y,
                Arith::Mul => x * y,
                Arith::Div => x / y,
            })
        }
        Expr::Compare(op, a, b) => {
            let (x, y) = (value(a, case, rank), value(b, case, rank));
            Value::Bool(match (x, y) {
                (Value::Num(x), Value::Num(y)) => compare(*op, x, y),
                (x, y) => match op {
                    Cmp::Eq => x == y,
                    Cmp::Ne => x != y,
                    _ => false,
                },
            })
        }
        Expr::In(e, list) => {
            let x = value(e, case, rank);
            Value::Bool(list.iter().any(|item| value(item, case, rank) == x))
        }
    }
}

fn compare(op: Cmp, x: f64, y: f64) -> bool {
    match op {
        Cmp::Eq => x == y,
        Cmp::Ne => x != y,
        Cmp::Lt => x < y,
        Cmp::Le => x <= y,
        Cmp::Gt => x > y,
        Cmp::Ge => x >= y,
    }
}

/// A numeric sub-expression as `a * rank + b`, or `None` when it is not affine.
fn affine(expr: &Expr, case: &CaseClocks) -> Option<(f64, f64)> {
    Some(match expr {
        Expr::Num(n) => (0.0, *n),
        Expr::Fact(f) => case.affine(*f),
        Expr::Neg(e) => {
            let (a, b) = affine(e, case)?;
            (-a, -b)
        }
        Expr::Arith(op, l, r) => {
            let (la, lb) = affine(l, case)?;
            let (ra, rb) = affine(r, case)?;
            match op {
                Arith::Add => (la + ra, lb + rb),
                Arith::Sub => (la - ra, lb - rb),
                Arith::Mul if la == 0.0 => (lb * ra, lb * rb),
                Arith::Mul if ra == 0.0 => (la * rb, lb * rb),
                Arith::Div if ra == 0.0 && rb != 0.0 => (la / rb, lb / rb),
                _ => return None,
            }
        }
        _ => return None,
    })
}

/// Most verdict changes followed per node; more falls back to stepping.
const FLIPS: usize = 8;

/// A condition's verdict on the ranks after `from`: its value at `from` and the ranks at which it
/// flips, ascending.
#[derive(Clone, Copy)]
struct Truth {
    init: bool,
    flips: [i32; FLIPS],
    len: usize,
}

impl Truth {
    fn constant(init: bool) -> Self {
        Truth {
            init,
            flips: [0; FLIPS],
            len: 0,
        }
    }

    fn push(&mut self, at: i32) -> Option<()> {
        *self.flips.get_mut(self.len)? = at;
        self.len += 1;
        Some(())
    }

    fn at(&self, i: usize) -> i32 {
        if i < self.len {
            self.flips[i]
        } else {
            i32::MAX
        }
    }
}

/// The verdict over time, worked out from the comparisons' crossing points without evaluating
/// the whole condition again at each of them; `None` when a part is not affine in the rank.
fn truth(expr: &Expr, case: &CaseClocks, from: i32) -> Option<Truth> {
    match expr {
        Expr::Not(e) => {
            let mut t = truth(e, case, from)?;
            t.init = !t.init;
            Some(t)
        }
        Expr::And(a, b) | Expr::Or(a, b) => {
            let and = matches!(expr, Expr::And(..));
            // A side that never changes and decides the whole leaves nothing to follow.
            let settled = |t: &Truth| t.len == 0 && t.init != and;
            let ta = truth(a, case, from)?;
            if settled(&ta) {
                return Some(ta);
            }
            let tb = truth(b, case, from)?;
            if settled(&tb) {
                return Some(tb);
            }
            let f = |x: bool, y: bool| if and { x && y } else { x || y };
            let (mut va, mut vb) = (ta.init, tb.init);
            let mut out = Truth::constant(f(va, vb));
            let mut cur = out.init;
            let (mut i, mut j) = (0, 0);
            while i < ta.len || j < tb.len {
                let (pa, pb) = (ta.at(i), tb.at(j));
                let p = pa.min(pb);
                if pa == p {
                    va = !va;
                    i += 1;
                }
                if pb == p {
                    vb = !vb;
                    j += 1;
                }
                let v = f(va, vb);
                if v != cur {
                    out.push(p)?;
                    cur = v;
                }
            }
            Some(out)
        }
        Expr::Compare(op, l, r) => {
            // Sides that are not numbers (text, say) cannot move with the days.
            let (Some((la, lb)), Some((ra, rb))) = (affine(l, case), affine(r, case)) else {
                return (!l.timed() && !r.timed())
                    .then(|| Truth::constant(holds(expr, case, from)));
            };
            let (a, b) = (la - ra, lb - rb);
            let init = holds(expr, case, from);
            let mut t = Truth::constant(init);
            if a != 0.0 {
                // The sign of `a * x + b` changes around x = -b / a: on integer ranks the
                // verdict can change at the point itself and at the ranks just after it. An
                // order comparison flips once at most; (in)equality may flip back.
                let once = !matches!(op, Cmp::Eq | Cmp::Ne);
                let c = (-b / a).floor();
                if c.is_finite() {
                    let c = c.clamp(f64::from(i32::MIN / 2), f64::from(i32::MAX / 2)) as i32;
                    let mut prev = init;
                    for p in (c..=c + 2).filter(|&p| p > from) {
                        let v = holds(expr, case, p);
                        if v != prev {
                            t.push(p)?;
                            prev = v;
                            if once {
                                break;
                            }
                        }
                    }
                }
            }
            Some(t)
        }
        Expr::In(..) if expr.timed() => None,
        _ => Some(Truth::constant(holds(expr, case, from))),
    }
}

/// The first rank after `rank` at which the condition's verdict on `case` differs from its
/// verdict at `rank`, if the case's facts stay as they are; `None` when it never changes.
pub fn next_change(expr: &Expr, case: &CaseClocks, rank: i32) -> Option<i32> {
    verdict(expr, case, rank).1
}

/// The condition's verdict on `case` at `rank` ([`holds`]) with [`next_change`], in one pass:
/// where the condition is affine, its verdict at `rank` comes with the flips.
pub fn verdict(expr: &Expr, case: &CaseClocks, rank: i32) -> (bool, Option<i32>) {
    if let Some(t) = truth(expr, case, rank) {
        return (t.init, (t.len > 0).then_some(t.flips[0]));
    }
    let now = holds(expr, case, rank);
    let next = (rank + 1..=rank.saturating_add(HORIZON)).find(|&x| holds(expr, case, x) != now);
    (now, next)
}
