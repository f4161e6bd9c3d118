//! Percent-encoding of one URL path segment or query value (X1): everything but RFC 3986's
//! unreserved characters, so a value can never change a URL's meaning.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes one path segment or query value.
pub fn component(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}
