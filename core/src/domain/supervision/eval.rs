//! Evaluating a checked condition on a case, and finding the next day on which its verdict can
//! change without any event: the engine's timer.
//!
//! Every numeric sub-expression of a case is an affine function `a * rank + b` of the day's rank
//! (see `facts`), unless a rule multiplies or divides two timed values. A comparison of two
//! affine functions changes its verdict at most at one crossing point, so a condition can change
//! only at its comparisons' crossing points: the engine tries those ranks in order instead of
//! stepping through days. A condition that is not affine is stepped day by day, up to a horizon.

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

/// Collects the ranks after `after` at which some comparison may flip; `false` when a part of
/// the condition is not affine.
fn crossings(expr: &Expr, case: &CaseClocks, after: i32, out: &mut Vec<i32>) -> bool {
    match expr {
        Expr::Num(_) | Expr::Bool(_) | Expr::Text(_) | Expr::Fact(_) => true,
        Expr::Not(e) | Expr::Neg(e) => crossings(e, case, after, out),
        Expr::And(a, b) | Expr::Or(a, b) => {
            // A side that no day can change and that decides the whole (false under `and`,
            // true under `or`) leaves nothing to cross.
            let decides = matches!(expr, Expr::Or(..));
            let settled = |e: &Expr| holds(e, case, after) == decides && !e.timed();
            if settled(a) || settled(b) {
                return true;
            }
            crossings(a, case, after, out) && crossings(b, case, after, out)
        }
        Expr::Arith(..) => affine(expr, case).is_some(),
        Expr::In(e, _) => affine(e, case).is_some_and(|(a, _)| a == 0.0) || !e.timed(),
        Expr::Compare(_, l, r) => {
            if !l.timed() && !r.timed() {
                return true;
            }
            let (Some((la, lb)), Some((ra, rb))) = (affine(l, case), affine(r, case)) else {
                return false;
            };
            let (a, b) = (la - ra, lb - rb);
            if a != 0.0 {
                // The sign of `a * x + b` changes around x = -b / a; the verdict on integer
                // ranks can change at its floor's successor, or at the point itself and after.
                let c = (-b / a).floor();
                if c.is_finite() {
                    let c = c.clamp(f64::from(i32::MIN / 2), f64::from(i32::MAX / 2)) as i32;
                    out.extend((c..=c + 2).filter(|&x| x > after));
                }
            }
            true
        }
    }
}

/// The first rank after `rank` at which the condition's verdict on `case` differs from its
/// verdict at `rank`, if the case's facts stay as they are; `None` when it never changes.
pub fn next_change(expr: &Expr, case: &CaseClocks, rank: i32) -> Option<i32> {
    let mut points = Vec::new();
    next_change_with(expr, case, rank, holds(expr, case, rank), &mut points)
}

/// [`next_change`] knowing the verdict at `rank` (`now`), with a scratch buffer for the
/// candidate ranks (the engine judges many cases in a row).
pub fn next_change_with(
    expr: &Expr,
    case: &CaseClocks,
    rank: i32,
    now: bool,
    points: &mut Vec<i32>,
) -> Option<i32> {
    if !expr.timed() {
        return None;
    }
    points.clear();
    if crossings(expr, case, rank, points) {
        points.sort_unstable();
        points.dedup();
        return points
            .iter()
            .copied()
            .find(|&x| holds(expr, case, x) != now);
    }
    (rank + 1..=rank.saturating_add(HORIZON)).find(|&x| holds(expr, case, x) != now)
}
