//! The wall clock, a leaf every layer may use: heartbeats, run records, forecasts and the
//! feed's lag all read it here.

/// Current Unix time in milliseconds: for heartbeats and spans that need sub-second precision.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Current Unix time in whole seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
