//! A workflow's RequestTransition, packed. Each entry is one status byte (the status's place
//! among the known statuses, or [`OTHER`] followed by the text's length and bytes) and the
//! change of time from the previous entry as a zig-zag varint: about five bytes an entry
//! instead of 24 for a shared text and a time. Any status text and any time survive the
//! packing; the lists are short and read whole (a row's first and last status, a duration).

use app::filter::RequestStatus;

use super::points::{put, take};

/// The status byte of a text that is no known status: its length and bytes follow.
const OTHER: u8 = u8::MAX;

/// Packed `(status, time)` entries in their stored order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transitions(Box<[u8]>);

impl Transitions {
    /// Packs `entries` (kept in their order).
    pub fn pack<'a>(entries: impl IntoIterator<Item = (&'a str, i64)>) -> Transitions {
        let mut out = Vec::new();
        let mut prev = 0i64;
        for (status, time) in entries {
            match RequestStatus::ALL.iter().position(|s| s.as_str() == status) {
                Some(known) => out.push(known as u8),
                None => {
                    out.push(OTHER);
                    put(&mut out, status.len() as i64);
                    out.extend_from_slice(status.as_bytes());
                }
            }
            put(&mut out, time.wrapping_sub(prev));
            prev = time;
        }
        Transitions(out.into_boxed_slice())
    }

    /// The entries, in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter { bytes: &self.0, at: 0, prev: 0 }
    }

    /// The first entry.
    pub fn first(&self) -> Option<(&str, i64)> {
        self.iter().next()
    }

    /// The last entry.
    pub fn last(&self) -> Option<(&str, i64)> {
        self.iter().last()
    }

    /// Bytes the packed entries take.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no entry.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Iterator over packed transitions.
pub struct Iter<'a> {
    bytes: &'a [u8],
    at: usize,
    prev: i64,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, i64);

    fn next(&mut self) -> Option<(&'a str, i64)> {
        let code = *self.bytes.get(self.at)?;
        self.at += 1;
        let status = match RequestStatus::ALL.get(usize::from(code)) {
            Some(known) => known.as_str(),
            None => {
                let len = usize::try_from(take(self.bytes, &mut self.at)?).ok()?;
                let text = std::str::from_utf8(self.bytes.get(self.at..self.at + len)?).ok()?;
                self.at += len;
                text
            }
        };
        self.prev = self.prev.wrapping_add(take(self.bytes, &mut self.at)?);
        Some((status, self.prev))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_come_back_as_they_went_in_whatever_their_statuses() {
        let cases: [&[(&str, i64)]; 4] = [
            &[],
            &[("new", 1_764_000_000), ("assigned", 1_764_003_600), ("running-open", 1_764_003_600)],
            &[("a status nobody knows", i64::MIN), ("", i64::MAX), ("é", -1), ("announced", 0)],
            &[("completed", 5)],
        ];
        for entries in cases {
            let t = Transitions::pack(entries.iter().copied());
            assert_eq!(t.iter().collect::<Vec<_>>(), entries);
            assert_eq!(t.last(), entries.last().copied());
            assert_eq!(t.is_empty(), entries.is_empty());
        }
        let typical = ["new", "assignment-approved", "assigned", "running-open", "running-closed", "completed"];
        let t = Transitions::pack(typical.iter().enumerate().map(|(k, s)| (*s, 1_764_000_000 + 7200 * k as i64)));
        assert!(t.0.len() <= 6 * 4 + 4, "a known status takes one byte and an hour's step three");
    }
}
