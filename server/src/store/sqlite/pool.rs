//! The embedded store's connections: one writer and a small pool of readers. SQLite in WAL
//! mode lets readers run beside the writer, so a slow listing never holds up the run lock's
//! heartbeat or another reader; every call runs on the blocking pool, never on the executor.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::{watch, Semaphore};

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
            let mut guard = conn.lock().map_err(|_| StoreError::Unavailable("sqlite writer poisoned".into()))?;
            f(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("sqlite task: {e}")))?;
        self.written.send_modify(|n| *n = n.wrapping_add(1));
        out
    }

    /// Runs `f` with one of the readers (waiting for a free one).
    pub async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let _permit = self.permits.acquire().await.map_err(|_| StoreError::Unavailable("sqlite pool closed".into()))?;
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let conn = readers.lock().map_err(|_| StoreError::Unavailable("sqlite pool poisoned".into()))?.pop();
            let conn = conn.ok_or_else(|| StoreError::Unavailable("no free sqlite reader".into()))?;
            let out = f(&conn);
            if let Ok(mut pool) = readers.lock() {
                pool.push(conn);
            }
            out
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("sqlite task: {e}")))?
    }
}
