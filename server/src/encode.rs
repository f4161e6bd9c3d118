//! Percent-encoding of one URL path segment or query value (X1): everything but RFC 3986's
//! unreserved characters, so a value can never change a URL's meaning. And the one way a
//! text becomes a short stable name (a digest as hex), for ids derived from content.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The first `bytes` bytes of the SHA-256 of `text`, as lower-case hex: the same text always
/// gives the same name, on every replica and after every upgrade.
pub fn digest_hex(text: &str, bytes: usize) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    digest.as_ref().iter().take(bytes).map(|b| format!("{b:02x}")).collect()
}

/// Percent-encodes one path segment or query value.
pub fn component(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}
