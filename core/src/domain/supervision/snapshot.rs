//! The projection as stored bytes, so that a start reads the open cases' clocks back instead of
//! recomputing them from every case (DESIGN.md: the projection is a cache of the cases).
//!
//! Cases are cut into chunks by id (`id / CHUNK_IDS`): a chunk's bytes change only when one of
//! its cases changes, so a snapshot rewrites the chunks that changed since the last one and
//! the store's write stays small while a million cases stand still. A record is the case id
//! and its clocks, little-endian, fixed width.

use super::facts::{CaseClocks, Signals};
use super::projection::Projection;

/// The layout of a record; a snapshot of another layout is not read. Bump it whenever
/// [`CaseClocks`] or the way the engine computes it changes.
pub const LAYOUT: i64 = 1;

/// Case ids per chunk.
pub const CHUNK_IDS: i64 = 4096;

/// Bytes of one record: the id (8) and the clocks (46).
pub const RECORD: usize = 54;

fn put(out: &mut Vec<u8>, id: i64, c: &CaseClocks) {
    out.extend_from_slice(&id.to_le_bytes());
    for x in [c.region, c.department, c.item] {
        out.extend_from_slice(&x.to_le_bytes());
    }
    for x in [c.case_base, c.step_base, c.stopped_at, c.next] {
        out.extend_from_slice(&x.to_le_bytes());
    }
    for x in [c.case_limit, c.legal_limit, c.step_limit] {
        out.extend_from_slice(&x.to_le_bytes());
    }
    let s = &c.signals;
    out.extend_from_slice(&[
        c.step,
        c.status,
        c.missing,
        c.materials,
        c.returns,
        c.flags,
        s.absent,
        s.unlisted,
        s.complaints,
        s.anomalies,
        s.person_complaints,
        s.person_anomalies,
    ]);
}

/// Reads fixed-width little-endian values off a record.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let (head, rest) = self.0.split_at(N);
        self.0 = rest;
        head.try_into().unwrap_or([0; N])
    }
    fn u8(&mut self) -> u8 {
        self.take::<1>()[0]
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.take())
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take())
    }
    fn i32(&mut self) -> i32 {
        i32::from_le_bytes(self.take())
    }
    fn i64(&mut self) -> i64 {
        i64::from_le_bytes(self.take())
    }
}

fn get(record: &[u8; RECORD]) -> (i64, CaseClocks) {
    let mut r = Reader(record);
    let id = r.i64();
    let (region, department, item) = (r.u32(), r.u32(), r.u32());
    let (case_base, step_base, stopped_at, next) = (r.i32(), r.i32(), r.i32(), r.i32());
    let (case_limit, legal_limit, step_limit) = (r.u16(), r.u16(), r.u16());
    let (step, status, missing, materials, returns, flags) =
        (r.u8(), r.u8(), r.u8(), r.u8(), r.u8(), r.u8());
    let signals = Signals {
        absent: r.u8(),
        unlisted: r.u8(),
        complaints: r.u8(),
        anomalies: r.u8(),
        person_complaints: r.u8(),
        person_anomalies: r.u8(),
    };
    let clocks = CaseClocks {
        region,
        department,
        item,
        case_base,
        step_base,
        stopped_at,
        next,
        case_limit,
        legal_limit,
        step_limit,
        step,
        status,
        missing,
        materials,
        returns,
        flags,
        signals,
    };
    (id, clocks)
}

/// Every live case of the projection, as chunks in id order: (chunk number, records).
pub fn encode(projection: &Projection) -> Vec<(i64, Vec<u8>)> {
    let mut chunks: Vec<(i64, Vec<u8>)> = Vec::new();
    for (_, id, clocks) in projection.iter() {
        let key = id.div_euclid(CHUNK_IDS);
        if chunks.last().is_none_or(|(k, _)| *k != key) {
            chunks.push((key, Vec::with_capacity(RECORD * 64)));
        }
        if let Some((_, bytes)) = chunks.last_mut() {
            put(bytes, id, clocks);
        }
    }
    chunks
}

/// Why stored chunks are not a projection.
#[derive(Debug, PartialEq, Eq)]
pub enum Corrupt {
    /// A chunk's length is not a whole number of records.
    Length(i64),
    /// Ids out of order, or a case outside its chunk.
    Order(i64),
}

/// The projection from chunks given in chunk order, every case scheduled at its stored `next`.
pub fn decode<'a>(
    chunks: impl IntoIterator<Item = (i64, &'a [u8])>,
    capacity: usize,
) -> Result<Projection, Corrupt> {
    let mut ids = Vec::with_capacity(capacity);
    let mut slots = Vec::with_capacity(capacity);
    for (key, bytes) in chunks {
        let (records, rest) = bytes.as_chunks::<RECORD>();
        if !rest.is_empty() {
            return Err(Corrupt::Length(key));
        }
        for record in records {
            let (id, clocks) = get(record);
            if id.div_euclid(CHUNK_IDS) != key || ids.last().is_some_and(|last| *last >= id) {
                return Err(Corrupt::Order(key));
            }
            ids.push(id);
            slots.push(clocks);
        }
    }
    Ok(Projection::from_sorted(ids, slots))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn clocks(seed: u32) -> CaseClocks {
        let b = |k: u32| u8::try_from((seed.wrapping_mul(31).wrapping_add(k)) % 251).unwrap();
        let w = |k: u32| u16::try_from((seed.wrapping_mul(7).wrapping_add(k)) % 65_000).unwrap();
        let r =
            |k: u32| i32::try_from(seed % 100_000).unwrap() - 50_000 + i32::try_from(k).unwrap();
        CaseClocks {
            region: seed,
            department: seed ^ 0xFFFF,
            item: seed.rotate_left(7),
            case_base: r(1),
            step_base: r(2),
            stopped_at: r(3),
            next: r(4),
            case_limit: w(1),
            legal_limit: w(2),
            step_limit: w(3),
            step: b(1),
            status: b(2) % 8,
            missing: b(3),
            materials: b(4),
            returns: b(5),
            flags: b(6),
            signals: Signals {
                absent: b(7),
                unlisted: b(8),
                complaints: b(9),
                anomalies: b(10),
                person_complaints: b(11),
                person_anomalies: b(12),
            },
        }
    }

    proptest! {
        #[test]
        fn a_projection_reads_back_as_it_was_written(
            ids in proptest::collection::btree_set(1i64..100_000, 0..300),
            seed in any::<u32>(),
        ) {
            let mut p = Projection::default();
            for (n, id) in ids.iter().enumerate() {
                p.upsert(*id, clocks(seed.wrapping_add(u32::try_from(n).unwrap())));
            }
            let chunks = encode(&p);
            prop_assert!(chunks.windows(2).all(|w| w[0].0 < w[1].0));
            let back = decode(chunks.iter().map(|(k, b)| (*k, b.as_slice())), ids.len()).unwrap();
            prop_assert_eq!(back.len(), p.len());
            for id in &ids {
                prop_assert_eq!(back.get(*id), p.get(*id));
            }
            prop_assert_eq!(back.next_wake(), p.next_wake());
        }
    }

    #[test]
    fn removed_cases_are_not_written() {
        let mut p = Projection::default();
        p.upsert(1, clocks(1));
        p.upsert(5000, clocks(2));
        p.upsert(5001, clocks(3));
        p.remove(5000);
        let chunks = encode(&p);
        assert_eq!(
            chunks
                .iter()
                .map(|(k, b)| (*k, b.len()))
                .collect::<Vec<_>>(),
            [(0, RECORD), (1, RECORD)]
        );
        let back = decode(chunks.iter().map(|(k, b)| (*k, b.as_slice())), 2).unwrap();
        assert_eq!(back.get(5000), None);
        assert_eq!(back.get(5001), Some(&clocks(3)));
    }

    #[test]
    fn a_torn_or_shuffled_chunk_is_refused() {
        let mut p = Projection::default();
        p.upsert(1, clocks(1));
        p.upsert(2, clocks(2));
        let (_, bytes) = encode(&p).remove(0);
        assert_eq!(
            decode([(0, &bytes[..RECORD + 3])], 2).unwrap_err(),
            Corrupt::Length(0)
        );
        let mut swapped = bytes[RECORD..].to_vec();
        swapped.extend_from_slice(&bytes[..RECORD]);
        assert_eq!(
            decode([(0, swapped.as_slice())], 2).unwrap_err(),
            Corrupt::Order(0)
        );
        assert_eq!(
            decode([(1, bytes.as_slice())], 2).unwrap_err(),
            Corrupt::Order(1)
        );
    }
}
