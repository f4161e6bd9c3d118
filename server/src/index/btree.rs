//! Helpers for the B-trees of sums kept per hour: the hour a time counts in, multisets of
//! times, and refilling nodes after a build. Used by the state, the per-tier sums and the
//! historical sums alike.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

/// Seconds of the granule the sums are kept at.
pub const HOUR: i64 = 3600;

/// The end of the hour `t` falls in (`t` itself on the hour): every bucket of a whole number
/// of hours that holds `t` holds this end too.
pub(super) fn hour_of(t: i64) -> i64 {
    app::aggregate::hour_end(t)
}

/// Rebuilds a B-tree from its sorted entries, which fills its nodes: built by inserts in feed
/// order, the nodes of the index's maps were about two-thirds full (tens of megabytes at
/// 200,000 workflows). Later inserts split nodes as usual. `append` to a non-empty map pushes
/// the merged entries in bulk, where `collect` would first gather them in a vector as large
/// as the map, which the allocator then keeps.
pub(super) fn compact<K: Ord, V>(map: &mut BTreeMap<K, V>) {
    let Some((k, v)) = map.pop_first() else { return };
    let mut full = BTreeMap::from([(k, v)]);
    full.append(map);
    *map = full;
}

/// Counts `key` once more (`sign` 1) or once less (-1) in a multiset.
pub(super) fn bump(map: &mut BTreeMap<i64, u64>, key: i64, sign: i64) {
    match map.entry(key) {
        Entry::Occupied(mut e) => {
            let n = e.get().saturating_add_signed(sign);
            if n == 0 {
                e.remove();
            } else {
                *e.get_mut() = n;
            }
        }
        Entry::Vacant(e) => {
            if sign > 0 {
                e.insert(sign.unsigned_abs());
            }
        }
    }
}
