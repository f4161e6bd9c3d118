//! Identical bulk answers asked for at the same time share one computation. The first request
//! for a filter starts a flight: one task reads the pages and writes them; every identical
//! request that arrives before the first page has been let go joins it and reads the same
//! chunks. Memory stays bounded: the writer stays at most [`AHEAD`] chunks ahead of the slowest
//! reader, and a chunk every reader has passed is dropped. A request that comes later (the
//! first chunk already gone) starts a flight of its own, and so does any request once the
//! store has changed (the key carries the index's generation).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, Weak};

use axum::body::Bytes;
use futures::Stream;
use tokio::sync::watch;

/// Chunks (pages of 100 documents) the writer may be ahead of the slowest reader.
pub const AHEAD: usize = 4;

/// The flights in the air, by key.
#[derive(Default)]
pub struct Flights(Mutex<HashMap<String, Weak<Flight>>>);

/// One answer being written for one or more readers.
pub struct Flight {
    state: Mutex<State>,
    /// Bumped on every change (a chunk written, a chunk read, the end).
    changed: watch::Sender<u64>,
}

#[derive(Default)]
struct State {
    /// Index of `chunks[0]` in the answer.
    base: usize,
    chunks: VecDeque<Bytes>,
    /// Each reader's next chunk, by reader id; a reader that went away is removed.
    readers: HashMap<u64, usize>,
    next_reader: u64,
    end: Option<Result<(), String>>,
}

impl Flights {
    /// Joins the flight of `key` when it can still be joined, else `None`.
    pub fn join(&self, key: &str) -> Option<Reader> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let flight = map.get(key)?.upgrade()?;
        flight.reader_from_start()
    }

    /// Starts a flight for `key` (replacing a finished or unjoinable one) and joins it first;
    /// the caller writes its chunks with [`Writer`].
    pub fn start(&self, key: String) -> (Writer, Reader) {
        let flight = Arc::new(Flight { state: Mutex::new(State::default()), changed: watch::channel(0).0 });
        let reader = flight.reader_from_start().expect("a new flight can be joined");
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.retain(|_, f| f.strong_count() > 0);
        map.insert(key, Arc::downgrade(&flight));
        (Writer { flight }, reader)
    }
}

impl Flight {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn bump(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// A new reader at chunk 0, while chunk 0 is still held.
    fn reader_from_start(self: &Arc<Self>) -> Option<Reader> {
        let mut s = self.lock();
        if s.base > 0 || matches!(s.end, Some(Err(_))) {
            return None;
        }
        let id = s.next_reader;
        s.next_reader += 1;
        s.readers.insert(id, 0);
        Some(Reader { flight: self.clone(), id })
    }

    /// Drops the chunks every reader has passed.
    fn trim(s: &mut State) {
        let slowest = s.readers.values().copied().min().unwrap_or(s.base + s.chunks.len());
        while s.base < slowest && s.chunks.pop_front().is_some() {
            s.base += 1;
        }
    }
}

/// The side of a flight that writes it.
pub struct Writer {
    flight: Arc<Flight>,
}

impl Writer {
    /// Waits until the slowest reader is fewer than [`AHEAD`] chunks behind; `false` when
    /// every reader has gone (nothing more need be written).
    pub async fn room(&self) -> bool {
        let mut changes = self.flight.changed.subscribe();
        loop {
            {
                let s = self.flight.lock();
                if s.readers.is_empty() {
                    return false;
                }
                let slowest = s.readers.values().copied().min().unwrap_or(0);
                if s.base + s.chunks.len() < slowest + AHEAD {
                    return true;
                }
            }
            if changes.changed().await.is_err() {
                return false;
            }
        }
    }

    /// Adds the next chunk.
    pub fn write(&self, chunk: Bytes) {
        self.flight.lock().chunks.push_back(chunk);
        self.flight.bump();
    }

    /// Ends the answer: complete, or cut by an error (its readers' streams end with it).
    pub fn finish(self, outcome: Result<(), String>) {
        self.flight.lock().end = Some(outcome);
        self.flight.bump();
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        let mut s = self.flight.lock();
        if s.end.is_none() {
            s.end = Some(Err("the answer's writer stopped".into()));
        }
        drop(s);
        self.flight.bump();
    }
}

/// One request's view of a flight.
pub struct Reader {
    flight: Arc<Flight>,
    id: u64,
}

impl Reader {
    /// The next chunk, `None` at the end; an error when the answer was cut.
    async fn next(&self) -> Option<Result<Bytes, std::io::Error>> {
        let mut changes = self.flight.changed.subscribe();
        loop {
            {
                let mut s = self.flight.lock();
                let pos = s.readers.get(&self.id).copied().unwrap_or(s.base);
                if let Some(chunk) = pos.checked_sub(s.base).and_then(|i| s.chunks.get(i)).cloned() {
                    s.readers.insert(self.id, pos + 1);
                    Flight::trim(&mut s);
                    drop(s);
                    self.flight.bump();
                    return Some(Ok(chunk));
                }
                match &s.end {
                    Some(Ok(())) => return None,
                    Some(Err(e)) => return Some(Err(std::io::Error::other(e.clone()))),
                    None => {}
                }
            }
            if changes.changed().await.is_err() {
                return None;
            }
        }
    }

    /// Waits for the answer's first chunk; the error when the answer failed before it (the
    /// store, or the bound on bulk answers): then the request is answered 503 instead.
    pub async fn started(&self) -> Result<(), String> {
        let mut changes = self.flight.changed.subscribe();
        loop {
            {
                let s = self.flight.lock();
                if s.base > 0 || !s.chunks.is_empty() {
                    return Ok(());
                }
                match &s.end {
                    Some(Ok(())) => return Ok(()),
                    Some(Err(e)) => return Err(e.clone()),
                    None => {}
                }
            }
            if changes.changed().await.is_err() {
                return Err("the answer's writer stopped".into());
            }
        }
    }

    /// The answer's chunks as a body stream.
    pub fn stream(self) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send {
        futures::stream::unfold(Some(self), |reader| async move {
            let reader = reader?;
            match reader.next().await {
                Some(Ok(chunk)) => Some((Ok(chunk), Some(reader))),
                Some(Err(e)) => Some((Err(e), None)),
                None => None,
            }
        })
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        let mut s = self.flight.lock();
        s.readers.remove(&self.id);
        Flight::trim(&mut s);
        drop(s);
        self.flight.bump();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use futures::StreamExt;

    #[tokio::test]
    async fn readers_that_join_in_time_share_one_flight_and_late_ones_start_their_own() {
        let flights = Flights::default();
        let (writer, first) = flights.start("k".into());
        let second = flights.join("k").unwrap();
        let task = tokio::spawn(async move {
            for i in 0..10u8 {
                assert!(writer.room().await);
                writer.write(Bytes::from(vec![i]));
            }
            writer.finish(Ok(()));
        });
        let (a, b): (Vec<u8>, Vec<u8>) = tokio::join!(
            first.stream().map(|c| c.unwrap()[0]).collect(),
            second.stream().map(|c| c.unwrap()[0]).collect()
        );
        task.await.unwrap();
        assert_eq!(a, (0..10).collect::<Vec<_>>());
        assert_eq!(a, b);
        assert!(flights.join("k").is_none(), "a flight whose first chunk is gone is not joined");
    }

    #[tokio::test]
    async fn the_writer_waits_for_the_slowest_reader() {
        let flights = Flights::default();
        let (writer, reader) = flights.start("k".into());
        for i in 0..AHEAD {
            assert!(writer.room().await);
            writer.write(Bytes::from(vec![i as u8]));
        }
        let blocked = tokio::time::timeout(std::time::Duration::from_millis(50), writer.room()).await;
        assert!(blocked.is_err(), "no room while the reader is {AHEAD} chunks behind");
        let mut s = Box::pin(reader.stream());
        s.next().await.unwrap().unwrap();
        assert!(writer.room().await, "room once it read one");
        drop(s);
        assert!(!writer.room().await, "no reader left: nothing more to write");
    }
}
