//! A dataset's history points, packed: each point is the change of time and of value from the
//! previous one, zig-zag and varint encoded. Histories move by hours and by thousands of
//! events, so a point takes 4–6 bytes instead of 16; they are most of what the index holds,
//! and they are only read a few at a time (a page's forecasts) or in one pass (aggregates).

use super::varint::{put, take};

/// Packed `(time, value)` points in time order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Points(Box<[u8]>);

impl Points {
    /// Packs `points` (kept in their order).
    pub fn pack(points: &[(i64, i64)]) -> Points {
        let mut out = Vec::with_capacity(points.len() * 5);
        let mut prev = (0i64, 0i64);
        for &(t, v) in points {
            put(&mut out, t.wrapping_sub(prev.0));
            put(&mut out, v.wrapping_sub(prev.1));
            prev = (t, v);
        }
        Points(out.into_boxed_slice())
    }

    /// The points, in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter { bytes: &self.0, at: 0, prev: (0, 0) }
    }

    /// The points as a list.
    pub fn to_vec(&self) -> Vec<(i64, i64)> {
        self.iter().collect()
    }

    /// Bytes the packed points take.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no point.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Iterator over packed points.
#[derive(Clone)]
pub struct Iter<'a> {
    bytes: &'a [u8],
    at: usize,
    prev: (i64, i64),
}

impl Iterator for Iter<'_> {
    type Item = (i64, i64);

    fn next(&mut self) -> Option<(i64, i64)> {
        let dt = take(self.bytes, &mut self.at)?;
        let dv = take(self.bytes, &mut self.at)?;
        self.prev = (self.prev.0.wrapping_add(dt), self.prev.1.wrapping_add(dv));
        Some(self.prev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_come_back_as_they_went_in_whatever_their_values() {
        let cases: [&[(i64, i64)]; 4] = [
            &[],
            &[(1_764_000_000, 0), (1_764_003_600, 1500), (1_764_003_600, 1400), (1_764_090_000, 1_000_000_000_000)],
            &[(i64::MIN, i64::MAX), (i64::MAX, i64::MIN), (0, -1)],
            &[(-5, 3)],
        ];
        for points in cases {
            let p = Points::pack(points);
            assert_eq!(p.to_vec(), points);
            assert_eq!(p.is_empty(), points.is_empty());
        }
        let typical: Vec<(i64, i64)> = (0..15).map(|k| (1_764_000_000 + 7200 * k, 40_000 * k)).collect();
        assert!(Points::pack(&typical).0.len() <= 15 * 6 + 4, "a typical point takes at most 6 bytes");
    }
}
