//! A workflow's RequestTransition, packed: the number of entries, one status byte per entry
//! (the status's place among the known statuses, or [`OTHER`]), each entry's time as eight
//! bytes, then the text of every [`OTHER`] status (length and bytes). Nine bytes an entry
//! instead of 24 for a shared text and a time, and any status text and any time survive. The
//! status bytes come first and together, and a time is read where it lies, so the current
//! status and a search for one status (a duration in every workflow, the idle check) are a
//! scan of a few bytes. Times as varint steps would save four more bytes an entry, but the
//! duration histogram then spent most of its 110 ms at 200,000 workflows decoding them.

use app::filter::RequestStatus;

use super::varint::{put, take};

/// The status byte of a text that is no known status: its text follows the times.
pub const OTHER: u8 = u8::MAX;

/// Packed `(status, time)` entries in their stored order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transitions(Box<[u8]>);

/// The status byte of `status`.
fn code_of(status: &str) -> u8 {
    RequestStatus::ALL.iter().position(|s| s.as_str() == status).map_or(OTHER, |known| known as u8)
}

/// A status to look for, its byte worked out once: a duration histogram looks for the same two
/// statuses in every workflow, and comparing bytes is what makes that pass cheap.
#[derive(Debug, Clone, Copy)]
pub struct Needle<'a> {
    code: u8,
    text: &'a str,
}

impl<'a> Needle<'a> {
    /// The needle of `status`.
    pub fn new(status: &'a str) -> Needle<'a> {
        Needle { code: code_of(status), text: status }
    }

    /// The status's bit in [`Transitions::status_bits`].
    pub fn bit(&self) -> u32 {
        bit_of(self.code)
    }
}

/// Bit `code` for a known status; the top bit for any other.
fn bit_of(code: u8) -> u32 {
    1 << u32::from(code).min(31)
}

/// The idle check's status, looked for in every idle candidate.
pub static ASSIGNED: std::sync::LazyLock<Needle<'static>> = std::sync::LazyLock::new(|| Needle::new("assigned"));

/// The status that makes a workflow done whatever it produced.
pub static FORCE_COMPLETE: std::sync::LazyLock<Needle<'static>> =
    std::sync::LazyLock::new(|| Needle::new(RequestStatus::ForceComplete.as_str()));

impl Transitions {
    /// Packs `entries` (kept in their order).
    pub fn pack<'a>(entries: impl IntoIterator<Item = (&'a str, i64)>) -> Transitions {
        let entries: Vec<(&str, i64)> = entries.into_iter().collect();
        if entries.is_empty() {
            // No entry takes no byte, not even a count.
            return Transitions::default();
        }
        let codes: Vec<u8> = entries.iter().map(|(s, _)| code_of(s)).collect();
        let mut out = Vec::with_capacity(entries.len() * 9 + 1);
        put(&mut out, entries.len() as i64);
        out.extend_from_slice(&codes);
        out.extend(entries.iter().flat_map(|(_, time)| time.to_le_bytes()));
        for ((status, _), _) in entries.iter().zip(&codes).filter(|(_, c)| **c == OTHER) {
            put(&mut out, status.len() as i64);
            out.extend_from_slice(status.as_bytes());
        }
        Transitions(out.into_boxed_slice())
    }

    /// The status bytes and where the times start.
    fn codes(&self) -> (&[u8], usize) {
        let mut at = 0;
        let n = take(&self.0, &mut at).and_then(|n| usize::try_from(n).ok()).unwrap_or(0);
        (self.0.get(at..at + n).unwrap_or_default(), at + n)
    }

    /// The entries, in order.
    pub fn iter(&self) -> Iter<'_> {
        let (codes, times) = self.codes();
        Iter { bytes: &self.0, codes, next: 0, times, texts: None }
    }

    /// The time of entry `i`.
    fn time_at(&self, times: usize, i: usize) -> Option<i64> {
        time_in(&self.0, times + 8 * i)
    }

    /// The first entry.
    pub fn first(&self) -> Option<(&str, i64)> {
        self.iter().next()
    }

    /// The last entry.
    pub fn last(&self) -> Option<(&str, i64)> {
        self.iter().last()
    }

    /// Which statuses occur: a bit per known status, the top bit for any other. Kept per slot
    /// beside the records, it lets a duration histogram pass over workflows that never had
    /// one of its statuses without reading them (a record read is a cache miss).
    pub fn status_bits(&self) -> u32 {
        self.codes().0.iter().fold(0, |bits, c| bits | bit_of(*c))
    }

    /// Each entry's status byte (its place in `RequestStatus::ALL`, or [`OTHER`]), in order.
    pub fn status_codes(&self) -> &[u8] {
        self.codes().0
    }

    /// The current status's byte (its place in `RequestStatus::ALL`, or [`OTHER`]), if any.
    pub fn last_code(&self) -> Option<u8> {
        self.codes().0.last().copied()
    }

    /// The current status (the last entry's) without decoding any time.
    pub fn last_status(&self) -> Option<&str> {
        let (codes, _) = self.codes();
        match *codes.last()? {
            OTHER => self.last().map(|(s, _)| s),
            code => RequestStatus::ALL.get(usize::from(code)).map(|s| s.as_str()),
        }
    }

    /// The time of the first entry with `status` at or after entry `from`, and its place.
    pub fn find(&self, status: Needle<'_>, from: usize) -> Option<(usize, i64)> {
        let (codes, times) = self.codes();
        let at = from + codes.get(from..)?.iter().position(|c| *c == status.code)?;
        if status.code == OTHER {
            // Rare: texts of unknown statuses, compared one by one.
            let found = self.iter().enumerate().skip(from).find(|(_, (s, _))| *s == status.text);
            return found.map(|(i, (_, t))| (i, t));
        }
        Some((at, self.time_at(times, at)?))
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

/// The eight-byte time at `at`.
fn time_in(bytes: &[u8], at: usize) -> Option<i64> {
    Some(i64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

/// Iterator over packed transitions.
pub struct Iter<'a> {
    bytes: &'a [u8],
    codes: &'a [u8],
    next: usize,
    times: usize,
    /// Where the next unknown status's text starts, once one was met (after the times).
    texts: Option<usize>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, i64);

    fn next(&mut self) -> Option<(&'a str, i64)> {
        let code = *self.codes.get(self.next)?;
        self.next += 1;
        let status = match RequestStatus::ALL.get(usize::from(code)) {
            Some(known) => known.as_str(),
            None => {
                let mut at = self.texts.unwrap_or(self.times + 8 * self.codes.len());
                let len = usize::try_from(take(self.bytes, &mut at)?).ok()?;
                let text = std::str::from_utf8(self.bytes.get(at..at + len)?).ok()?;
                self.texts = Some(at + len);
                text
            }
        };
        let time = time_in(self.bytes, self.times + 8 * (self.next - 1))?;
        Some((status, time))
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
            assert_eq!(t.last_status(), entries.last().map(|e| e.0));
            for (status, _) in entries {
                assert_ne!(t.status_bits() & Needle::new(status).bit(), 0, "{status}");
            }
            for (i, (status, time)) in entries.iter().enumerate() {
                let first = entries.iter().position(|e| e.0 == *status).unwrap_or(i);
                assert_eq!(t.find(Needle::new(status), 0), Some((first, entries[first].1)), "{status}");
                assert_eq!(t.find(Needle::new(status), i), Some((i, *time)), "{status} from {i}");
            }
            assert_eq!(t.is_empty(), entries.is_empty());
        }
        let typical = ["new", "assignment-approved", "assigned", "running-open", "running-closed", "completed"];
        let t = Transitions::pack(typical.iter().enumerate().map(|(k, s)| (*s, 1_764_000_000 + 7200 * k as i64)));
        assert_eq!(t.0.len(), 1 + 6 * 9, "a known status takes one byte, a time eight");
        assert_eq!(t.find(*ASSIGNED, 0), Some((2, 1_764_014_400)));
        assert_eq!(t.find(Needle::new("new"), 1), None);
        assert_eq!(t.status_bits() & Needle::new("aborted").bit(), 0, "a status it never had");
    }
}
