//! Zig-zag varints: small signed numbers (the changes between history points, transition
//! times) in one to three bytes. Shared by the packed points and the packed transitions.

/// Appends `x`, zig-zag and varint encoded.
pub(super) fn put(out: &mut Vec<u8>, x: i64) {
    let mut z = ((x << 1) ^ (x >> 63)) as u64;
    while z >= 0x80 {
        out.push((z as u8) | 0x80);
        z >>= 7;
    }
    out.push(z as u8);
}

/// Reads the number at `*at` and moves past it; `None` at the end or on a malformed one.
pub(super) fn take(bytes: &[u8], at: &mut usize) -> Option<i64> {
    let mut z = 0u64;
    let mut shift = 0;
    loop {
        let b = *bytes.get(*at)?;
        *at += 1;
        z |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some((z >> 1) as i64 ^ -((z & 1) as i64));
        }
        shift += 7;
        if shift > 63 {
            return None;
        }
    }
}
