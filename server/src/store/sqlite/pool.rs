//! The embedded store's connections: one writer and a small pool of readers. SQLite in WAL
//! mode lets readers run beside the writer, so a slow listing never holds up the run lock's
//! heartbeat or another reader; every call runs on the blocking pool, never on the executor.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

use super::super::StoreError;

/// Read connections kept open beside the writer.
pub const READERS: usize = 4;

pub fn db_err(e: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(format!("sqlite: {e}"))
}

/// The connections of one store file, and a signal bumped after every committed write so
/// feed followers in this process wake at once (other processes are seen by polling).
#[derive(Clone)]
pub struct Pool {
    path: PathBuf,
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Mutex<Vec<Connection>>>,
    permits: Arc<Semaphore>,
    written: Arc<watch::Sender<u64>>,
}

fn connect(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(db_err)?;
    conn.busy_timeout(Duration::from_secs(30)).map_err(db_err)?;
    Ok(conn)
}

impl Pool {
    /// Opens the writer (WAL, schema set up by `prepare`) and the readers.
    pub fn open(
        path: &Path,
        prepare: impl FnOnce(&mut Connection) -> Result<(), StoreError>,
    ) -> Result<Self, StoreError> {
        let mut writer = connect(path)?;
        writer.pragma_update(None, "journal_mode", "WAL").map_err(db_err)?;
        writer.pragma_update(None, "synchronous", "NORMAL").map_err(db_err)?;
        prepare(&mut writer)?;
        let readers = (0..READERS).map(|_| connect(path)).collect::<Result<Vec<_>, _>>()?;
        Ok(Pool {
            path: path.to_owned(),
            writer: Arc::new(Mutex::new(writer)),
            readers: Arc::new(Mutex::new(readers)),
            permits: Arc::new(Semaphore::new(READERS)),
            written: Arc::new(watch::channel(0).0),
        })
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A receiver that changes after every write committed by this process.
    pub fn writes(&self) -> watch::Receiver<u64> {
        self.written.subscribe()
    }

    /// Runs `f` with the writer; followers are woken afterwards.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let conn = self.writer.clone();
        let out = tokio::task::spawn_blocking(move || {
            // A panic in an earlier write rolled its transaction back when it unwound: the
            // connection is sound, and refusing every later write would stop the store.
            let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("sqlite task: {e}")))?;
        self.written.send_modify(|n| *n = n.wrapping_add(1));
        out
    }

    /// Runs `f` with one of the readers (waiting for a free one).
    ///
    /// The permit moves into the blocking task with the connection: a caller that is cancelled
    /// (a client hanging up) stops waiting, but the read it started still holds its reader
    /// until it ends, so the count of permits never exceeds the readers on the shelf.
    pub async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Unavailable("sqlite pool closed".into()))?;
        let shelf = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let lease = Lease::take(shelf, permit)?;
            f(lease.conn())
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("sqlite task: {e}")))?
    }
}

/// A reader taken from the shelf, put back when dropped: after the read, after an error and
/// while a panic unwinds alike. Its permit is released only after the connection is back.
struct Lease {
    conn: Option<Connection>,
    shelf: Arc<Mutex<Vec<Connection>>>,
    _permit: OwnedSemaphorePermit,
}

impl Lease {
    fn take(shelf: Arc<Mutex<Vec<Connection>>>, permit: OwnedSemaphorePermit) -> Result<Lease, StoreError> {
        let conn = shelf.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = conn.ok_or_else(|| StoreError::Unavailable("no free sqlite reader".into()))?;
        Ok(Lease { conn: Some(conn), shelf, _permit: permit })
    }

    fn conn(&self) -> &Connection {
        self.conn.as_ref().expect("a lease holds its connection until it is dropped")
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.shelf.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn pool() -> (tempfile::TempDir, Pool) {
        let dir = tempfile::tempdir().unwrap();
        let pool = Pool::open(&dir.path().join("p.sqlite"), |_| Ok(())).unwrap();
        (dir, pool)
    }

    fn slow_read(conn: &Connection) -> Result<i64, StoreError> {
        std::thread::sleep(Duration::from_millis(300));
        conn.query_row("SELECT 1", [], |r| r.get(0)).map_err(db_err)
    }

    /// Callers that hang up while their reads run must not hand their permits to others
    /// while the readers are still in use ("no free sqlite reader" before the fix).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cancelled_reads_keep_their_reader_until_they_end() {
        let (_dir, pool) = pool();
        for _ in 0..READERS {
            let p = pool.clone();
            let read = tokio::spawn(async move { p.read(slow_read).await });
            tokio::time::sleep(Duration::from_millis(20)).await;
            read.abort();
        }
        let one: i64 = pool.read(|c| c.query_row("SELECT 1", [], |r| r.get(0)).map_err(db_err)).await.unwrap();
        assert_eq!(one, 1);
    }

    /// A read that panics gives its connection back: after more panics than readers, reads
    /// still work.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_read_returns_its_reader() {
        let (_dir, pool) = pool();
        for _ in 0..READERS + 1 {
            let failed = pool.read(|_| -> Result<(), StoreError> { panic!("a bug inside a read") }).await;
            assert!(failed.is_err());
        }
        let one: i64 = pool.read(|c| c.query_row("SELECT 1", [], |r| r.get(0)).map_err(db_err)).await.unwrap();
        assert_eq!(one, 1);
        let wrote: Result<(), _> = pool.write(|_| panic!("a bug inside a write")).await;
        assert!(wrote.is_err());
        pool.write(|c| c.execute_batch("CREATE TABLE IF NOT EXISTS t (x)").map_err(db_err)).await.unwrap();
    }
}
