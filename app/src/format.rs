//! Text formatting shared by the server and the browser (rules D3, D11, D14, D15): a leaf
//! module, so presentation, charts and the index can all use it without depending on each other.

/// Text after the last '/' of a dataset name (D11).
pub fn datatier(dataset: &str) -> &str {
    dataset.rsplit('/').next().unwrap_or(dataset)
}

/// The note under a chart of events that left some workflows out: lumisections are not
/// events (one workflow, or many).
pub fn lumi_left_out(n: i64) -> String {
    let (whom, verb) = if n == 1 { ("workflow", "is") } else { ("workflows", "are") };
    format!("{} {whom} counted in lumisections {verb} left out: lumisections are not events.", thousands(n))
}
/// Integer with ',' every three digits, sign kept (D15).
pub fn thousands(x: i64) -> String {
    let digits = x.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if x < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Size in base 1000 units (D14): `<n>B`, then `%.2f` KB, MB, GB, TB.
pub fn nice_size(bytes: i64) -> String {
    let n = bytes as f64;
    if n < 1e3 {
        return format!("{bytes}B");
    }
    let (value, unit) = if n < 1e6 {
        (n / 1e3, "KB")
    } else if n < 1e9 {
        (n / 1e6, "MB")
    } else if n < 1e12 {
        (n / 1e9, "GB")
    } else {
        (n / 1e12, "TB")
    };
    format!("{value:.2}{unit}")
}

/// "Ago" text of `then` seen at `now` (D3), truncating toward zero.
pub fn ago(now: i64, then: i64) -> String {
    let s = now - then;
    let d = s / 86_400;
    if d != 0 {
        return format!("{d}d");
    }
    let h = s / 3600;
    let m = (s - 3600 * h) / 60;
    if h != 0 {
        format!("{h}h {m}min")
    } else if m != 0 {
        format!("{m}min")
    } else {
        format!("{s}s")
    }
}

/// Tolerated lead of a time over the reader's clock before it counts as from the future: a
/// browser clock a little behind the server's is normal.
pub const SKEW_TOLERANCE: i64 = 120;

/// `then` as seen at `now`: "3d ago", or, for a time ahead of the reader's clock by more than
/// [`SKEW_TOLERANCE`], "in 14h 39min" and `true` (a clock is wrong somewhere; never a
/// negative age).
pub fn relative(now: i64, then: i64) -> (String, bool) {
    if then > now + SKEW_TOLERANCE {
        (format!("in {}", ago(then, now)), true)
    } else {
        (format!("{} ago", ago(now.max(then), then)), false)
    }
}

/// How long something has lasted since `since`, seen at `now` ("12d"), or `None` when `since`
/// is ahead of the reader's clock.
pub fn lasted(now: i64, since: i64) -> Option<String> {
    (since <= now + SKEW_TOLERANCE).then(|| ago(now.max(since), since))
}

/// An expected total as a person reads it: a negative one (ReqMgr2's -1) is unknown.
pub fn expected_text(total: i64) -> String {
    if total < 0 {
        "unknown".into()
    } else {
        thousands(total)
    }
}

/// `YYYY-MM-DD HH:MM:SS` in UTC for Unix seconds.
pub fn utc_datetime(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn d15_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(-1234567), "-1,234,567");
    }

    #[test]
    fn d14_nice_size() {
        assert_eq!(nice_size(-1), "-1B");
        assert_eq!(nice_size(999), "999B");
        assert_eq!(nice_size(1000), "1.00KB");
        assert_eq!(nice_size(1_234_567), "1.23MB");
        assert_eq!(nice_size(5_000_000_000_000), "5.00TB");
    }

    #[test]
    fn d3_ago_truncates_toward_zero() {
        assert_eq!(ago(100, 100), "0s");
        assert_eq!(ago(100, 41), "59s");
        assert_eq!(ago(3_700, 0), "1h 1min");
        assert_eq!(ago(86_400 * 3 + 5, 0), "3d");
        assert_eq!(ago(0, 120), "-2min");
    }

    #[test]
    fn future_times_read_as_ahead_never_as_negative_ages() {
        assert_eq!(relative(1000, 1000 - 3700), ("1h 1min ago".into(), false));
        assert_eq!(relative(0, 14 * 3600 + 39 * 60), ("in 14h 39min".into(), true));
        // A browser a minute behind the server: "0s ago", not "-1min ago".
        assert_eq!(relative(0, 60), ("0s ago".into(), false));
        assert_eq!(lasted(86_400 * 12, 0).as_deref(), Some("12d"));
        assert_eq!(lasted(0, 86_400), None);
        assert_eq!((expected_text(-1).as_str(), expected_text(1234).as_str()), ("unknown", "1,234"));
    }

    #[test]
    fn utc_dates() {
        assert_eq!(utc_datetime(0), "1970-01-01 00:00:00");
        assert_eq!(lumi_left_out(1), "1 workflow counted in lumisections is left out: lumisections are not events.");
        assert!(lumi_left_out(1200).starts_with("1,200 workflows counted in lumisections are left out"));
        assert_eq!(utc_datetime(1_588_759_495), "2020-05-06 10:04:55");
        assert_eq!(utc_datetime(951_782_400), "2000-02-29 00:00:00");
    }
}
