//! pMp's priority blocks: RequestPriority cut into eight bands, block 0 the most urgent. PdmV
//! operators speak of "block 1" rather than of 110,000, so rows, filters and groups say the
//! block.

/// The lowest RequestPriority of blocks 0 to 6; anything below (or without a priority) is in
/// block 7.
pub const BLOCK_FLOORS: [i64; 7] = [130_000, 110_000, 90_000, 85_000, 80_000, 70_000, 63_000];

/// The last block.
pub const LAST_BLOCK: u8 = 7;

/// The block of a RequestPriority (block 7 without one).
pub fn block_of(priority: Option<i64>) -> u8 {
    priority.and_then(|p| BLOCK_FLOORS.iter().position(|floor| p >= *floor)).map_or(LAST_BLOCK, |i| i as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_follow_pmp() {
        let cases = [
            (Some(200_000), 0),
            (Some(130_000), 0),
            (Some(129_999), 1),
            (Some(110_000), 1),
            (Some(90_000), 2),
            (Some(85_000), 3),
            (Some(80_000), 4),
            (Some(70_000), 5),
            (Some(63_000), 6),
            (Some(62_999), 7),
            (Some(-5), 7),
            (None, 7),
        ];
        for (p, block) in cases {
            assert_eq!(block_of(p), block, "{p:?}");
        }
    }
}
