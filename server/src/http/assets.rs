//! The single-page app's static files, served compressed and cached. Users are around the
//! world and the WASM bundle is most of a first visit: each file is read once, compressed
//! once (gzip at once, brotli at its best level on a background thread, since that takes
//! seconds and a server should answer meanwhile), and answered in the best encoding the
//! client accepts. Files whose names carry Trunk's content hash never change under that name,
//! so browsers may keep them for a year without asking again; anything else is revalidated.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Cache-Control of a file whose name carries its content hash.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache-Control of any other file: use it, but ask whether it changed.
const REVALIDATE: &str = "no-cache";

/// One file, in every encoding kept.
pub struct Asset {
    hash: u64,
    identity: Bytes,
    gzip: Bytes,
    /// Filled by the background thread; until then gzip is the best on offer.
    brotli: OnceLock<Bytes>,
    content_type: &'static str,
    immutable: bool,
    etag: HeaderValue,
}

/// An encoding a response can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `br`
    Brotli,
    /// `gzip`
    Gzip,
    /// Uncompressed.
    Identity,
}

/// Compressed bodies by content hash and encoding, for the whole process: every server a
/// process starts (tests start dozens) serves the same build, and brotli at its best level
/// costs seconds of CPU per megabyte.
fn compressed(hash: u64, encoding: Encoding, data: &[u8]) -> Bytes {
    static DONE: OnceLock<std::sync::Mutex<HashMap<(u64, bool), Bytes>>> = OnceLock::new();
    let done = DONE.get_or_init(Default::default);
    let key = (hash, encoding == Encoding::Brotli);
    if let Some(b) = done.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return b.clone();
    }
    let body = Bytes::from(if encoding == Encoding::Brotli { brotli(data) } else { gzip(data) });
    done.lock().unwrap_or_else(|p| p.into_inner()).insert(key, body.clone());
    body
}

impl Asset {
    fn new(path: &str, identity: Vec<u8>) -> Asset {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        identity.hash(&mut hasher);
        let hash = hasher.finish();
        let etag = HeaderValue::from_str(&format!("\"{hash:016x}\"")).unwrap_or(HeaderValue::from_static("\"\""));
        Asset {
            hash,
            gzip: compressed(hash, Encoding::Gzip, &identity),
            identity: Bytes::from(identity),
            brotli: OnceLock::new(),
            content_type: content_type(path),
            immutable: is_hashed(path),
            etag,
        }
    }

    /// The body in `encoding`, if this file has it (yet).
    pub fn body(&self, encoding: Encoding) -> Option<&Bytes> {
        match encoding {
            Encoding::Brotli => self.brotli.get(),
            Encoding::Gzip => Some(&self.gzip),
            Encoding::Identity => Some(&self.identity),
        }
    }

    /// The answer to a GET with `headers`.
    pub fn respond(&self, headers: &HeaderMap) -> Response {
        let cache = if self.immutable { IMMUTABLE } else { REVALIDATE };
        let common = [
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            (header::ETAG, self.etag.clone()),
            (header::VARY, HeaderValue::from_static("accept-encoding")),
        ];
        if headers.get(header::IF_NONE_MATCH).is_some_and(|v| v.as_bytes() == self.etag.as_bytes()) {
            return (StatusCode::NOT_MODIFIED, common).into_response();
        }
        let accepted = accepted(headers);
        let (encoding, body) = [Encoding::Brotli, Encoding::Gzip]
            .into_iter()
            .filter(|e| accepted.contains(e))
            .find_map(|e| Some((e, self.body(e)?)))
            .unwrap_or((Encoding::Identity, &self.identity));
        let mut resp = (common, [(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type))], body.clone())
            .into_response();
        let name = match encoding {
            Encoding::Brotli => "br",
            Encoding::Gzip => "gzip",
            Encoding::Identity => return resp,
        };
        resp.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
        resp
    }
}

/// The files of a built app, by path below its folder ("frontend-….wasm", "public/x.png").
#[derive(Default)]
pub struct Assets {
    files: HashMap<String, Arc<Asset>>,
}

impl Assets {
    /// Reads every file below `dir` except index.html (served with the base path written in)
    /// and starts compressing them with brotli in the background.
    pub fn load(dir: &Path) -> Assets {
        let mut files = HashMap::new();
        read_dir(dir, "", &mut files);
        let assets = Assets { files };
        let pending: Vec<Arc<Asset>> = assets.files.values().cloned().collect();
        std::thread::spawn(move || {
            for a in pending {
                let _ = a.brotli.set(compressed(a.hash, Encoding::Brotli, &a.identity));
            }
        });
        assets
    }

    /// The file at `path` (without a leading '/').
    pub fn get(&self, path: &str) -> Option<&Arc<Asset>> {
        self.files.get(path)
    }

    /// Every file, for the page-weight check.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Arc<Asset>)> {
        self.files.iter()
    }
}

fn read_dir(dir: &Path, prefix: &str, out: &mut HashMap<String, Arc<Asset>>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = format!("{prefix}{name}");
        let kind = entry.file_type();
        if kind.as_ref().is_ok_and(|k| k.is_dir()) {
            read_dir(&entry.path(), &format!("{path}/"), out);
        } else if path != "index.html" {
            if let Ok(bytes) = std::fs::read(entry.path()) {
                out.insert(path.clone(), Arc::new(Asset::new(&path, bytes)));
            }
        }
    }
}

/// The encodings a request accepts (`q=0` refuses one).
pub fn accepted(headers: &HeaderMap) -> Vec<Encoding> {
    let list = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or("");
    list.split(',')
        .filter_map(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next()?;
            let refused = parts.any(|p| p.strip_prefix("q=").is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0)));
            let encoding = match name {
                "br" => Encoding::Brotli,
                "gzip" => Encoding::Gzip,
                _ => return None,
            };
            (!refused).then_some(encoding)
        })
        .collect()
}

/// Whether a file name carries Trunk's content hash (`name-<hex>` before the extension,
/// optionally followed by `_bg`). Trunk prints a 64-bit hash without leading zeros, so one
/// build in sixteen has 15 digits (or fewer): 12 or more are taken as a hash.
pub fn is_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.split('.').next().unwrap_or(file);
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, h)| (12..=16).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "wasm" => "application/wasm",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// gzip at the best level.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(data.len() / 3), flate2::Compression::best());
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

/// brotli at the best level, with a window large enough for the whole bundle.
pub fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 3);
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 24, ..Default::default() };
    let _ = brotli::BrotliCompress(&mut std::io::Cursor::new(data), &mut out, &params);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_recognised() {
        assert!(is_hashed("frontend-fbab76bcf42a9fe3_bg.wasm"));
        assert!(is_hashed("frontend-fbab76bcf42a9fe3.js"));
        assert!(is_hashed("main-6c596fd2c85c16a2.css"));
        // A hash whose first digit was 0: 15 digits (seen in a build).
        assert!(is_hashed("frontend-3bb48ad40467a43_bg.wasm"));
        assert!(!is_hashed("public/favicon.ico"));
        assert!(!is_hashed("my-file.js"));
    }

    #[test]
    fn accept_encoding_is_read_with_refusals() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("")));
            accepted(&m)
        };
        assert_eq!(h("gzip, deflate, br, zstd"), [Encoding::Gzip, Encoding::Brotli]);
        assert_eq!(h("br;q=0, gzip;q=0.5"), [Encoding::Gzip]);
        assert!(h("identity").is_empty());
    }

    #[test]
    fn compressed_bodies_decompress_to_the_file() {
        let data: Vec<u8> = (0..50_000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        let mut plain = Vec::new();
        let _ = std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gzip(&data)[..]), &mut plain);
        assert_eq!(plain, data);
        let mut plain = Vec::new();
        let _ = brotli::BrotliDecompress(&mut std::io::Cursor::new(brotli(&data)), &mut plain);
        assert_eq!(plain, data);
    }
}
