//! Many rows inserted at once in statements of a few fixed shapes. Diesel builds and prepares
//! the SQL of an insert whose shape it cannot know at compile time (a row with optional
//! columns, a batch of any length) anew every time; an array of rows has a static query id, so
//! its statement is prepared once per connection and kept. A batch of thousands goes as
//! arrays of `CHUNK` rows, then of halving sizes for the rest.

/// Rows per full statement: 64 rows of a dozen columns stay far below either backend's limit
/// of bound values.
pub const CHUNK: usize = 64;

/// Splits `rows` (a `Vec`, in order) into arrays of 64, 32, 16, 8, 4, 2 and 1 rows and
/// evaluates `body` (a diesel `QueryResult`) with `chunk` bound to each, in order; the
/// expression is the results in a `Vec`, or the first error.
#[macro_export]
macro_rules! in_fixed_shapes {
    ($rows:expr, |$chunk:ident| $body:expr) => {
        'shapes: {
            let rows: Vec<_> = $rows;
            let mut left = rows.len();
            let mut it = rows.into_iter();
            let mut out = Vec::new();
            while left >= $crate::store::rows::CHUNK {
                $crate::in_fixed_shapes!(@one 'shapes, it, out, $chunk, $body, 64);
                left -= $crate::store::rows::CHUNK;
            }
            $crate::in_fixed_shapes!(@rest 'shapes, it, out, left, $chunk, $body, 32);
            $crate::in_fixed_shapes!(@rest 'shapes, it, out, left, $chunk, $body, 16);
            $crate::in_fixed_shapes!(@rest 'shapes, it, out, left, $chunk, $body, 8);
            $crate::in_fixed_shapes!(@rest 'shapes, it, out, left, $chunk, $body, 4);
            $crate::in_fixed_shapes!(@rest 'shapes, it, out, left, $chunk, $body, 2);
            $crate::in_fixed_shapes!(@rest 'shapes, it, out, left, $chunk, $body, 1);
            debug_assert_eq!(left, 0);
            Ok::<_, diesel::result::Error>(out)
        }
    };
    (@rest $l:lifetime, $it:ident, $out:ident, $left:ident, $chunk:ident, $body:expr, $n:literal) => {
        if $left >= $n {
            $crate::in_fixed_shapes!(@one $l, $it, $out, $chunk, $body, $n);
            $left -= $n;
        }
    };
    (@one $l:lifetime, $it:ident, $out:ident, $chunk:ident, $body:expr, $n:literal) => {
        match <[_; $n]>::try_from($it.by_ref().take($n).collect::<Vec<_>>()) {
            Ok($chunk) => match $body {
                Ok(v) => $out.push(v),
                Err(e) => break $l Err(e),
            },
            Err(_) => {
                break $l Err(diesel::result::Error::QueryBuilderError(
                    "a batch ended before its count".into(),
                ))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    fn shapes(n: usize) -> Result<Vec<(usize, u32)>, diesel::result::Error> {
        let rows: Vec<u32> = (0..u32::try_from(n).unwrap_or(0)).collect();
        crate::in_fixed_shapes!(rows, |chunk| Ok::<_, diesel::result::Error>((
            chunk.len(),
            chunk[0]
        )))
    }

    #[test]
    fn full_chunks_then_halving_sizes_in_order() {
        assert_eq!(shapes(0).unwrap(), vec![]);
        assert_eq!(shapes(1).unwrap(), vec![(1, 0)]);
        assert_eq!(shapes(64).unwrap(), vec![(64, 0)]);
        assert_eq!(
            shapes(64 * 2 + 45).unwrap(),
            vec![(64, 0), (64, 64), (32, 128), (8, 160), (4, 168), (1, 172)]
        );
        for n in 0..300 {
            let parts = shapes(n).unwrap();
            assert_eq!(parts.iter().map(|p| p.0).sum::<usize>(), n);
        }
    }
}
