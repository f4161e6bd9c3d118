//! The one place a server function's arguments are checked, whatever way they came in (the
//! page, a script's JSON): a filter gets exactly the checks of a query string, and pages,
//! buckets, bins and search texts their bounds. Everything past here may trust them.

use super::ApiError;
use crate::analytics::DurationQuery;
use crate::filter::Filter;

fn bad(e: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(e.to_string())
}

/// A filter: the query string's checks.
pub fn filter(f: &Filter) -> Result<(), ApiError> {
    f.validate().map_err(bad)
}

/// A page number: at most the filter's largest page.
pub fn page(p: u32) -> Result<(), ApiError> {
    crate::filter::parse_page(&p.to_string()).map(drop).map_err(bad)
}

/// An aggregate's bucket, in seconds: within [`crate::aggregate::BUCKET_RANGE`].
pub fn bucket(seconds: i64) -> Result<(), ApiError> {
    let (min, max) = crate::aggregate::BUCKET_RANGE;
    if (min..=max).contains(&seconds) {
        Ok(())
    } else {
        Err(bad(format!("bucket must be from {min} to {max} seconds, not {seconds}")))
    }
}

/// A `changes` start: a day before `now` when absent, never more than 90 days back (the
/// answer would walk histories nobody asked for); a time ahead of `now` is allowed (nothing
/// changed since then).
pub fn since(since: Option<i64>, now: i64) -> Result<i64, ApiError> {
    use crate::changes::{DEFAULT_BACK, MAX_BACK};
    let since = since.unwrap_or(now - DEFAULT_BACK);
    if since < now - MAX_BACK {
        return Err(bad(format!("since must be at most 90 days back (from {}), not {since}", now - MAX_BACK)));
    }
    Ok(since)
}

/// A duration query: its filter's checks and its own.
pub fn durations(q: &DurationQuery) -> Result<(), ApiError> {
    q.validate().map_err(bad)
}

/// A bar of a duration query's histogram.
pub fn bin(q: &DurationQuery, bin: u32) -> Result<(), ApiError> {
    durations(q)?;
    if bin < q.bins {
        Ok(())
    } else {
        Err(bad(format!("bin must be below the {} bins, not {bin}", q.bins)))
    }
}

/// A Present view's shape: stacking a dimension on itself says nothing, so it is refused.
pub fn present(
    group: crate::bars::Dimension,
    stack: Option<crate::bars::Dimension>,
    measure: crate::bars::Measure,
) -> Result<crate::bars::Shape, ApiError> {
    if stack == Some(group) {
        return Err(bad(format!("stack must differ from group ({})", group.as_str())));
    }
    Ok((group, stack, measure))
}

/// The campaign table's rows: campaigns (the default) or priority blocks; whether blocks.
pub fn table_rows(rows: Option<crate::bars::Dimension>) -> Result<bool, ApiError> {
    use crate::bars::Dimension;
    match rows {
        None | Some(Dimension::Campaign) => Ok(false),
        Some(Dimension::PriorityBlock) => Ok(true),
        Some(other) => Err(bad(format!("rows must be campaign or priority_block, not {}", other.as_str()))),
    }
}

/// A path to shorten: at most 8 KB (the server checks that it is one of its own).
pub fn short_path(path: &str) -> Result<(), ApiError> {
    if path.len() <= 8 * 1024 {
        Ok(())
    } else {
        Err(bad("path is longer than 8192 bytes"))
    }
}

/// A typed search text: at most [`crate::suggest::MAX_CHARS`] bytes.
pub fn text(q: &str) -> Result<(), ApiError> {
    if q.len() <= crate::suggest::MAX_CHARS {
        Ok(())
    } else {
        Err(bad(format!("q is longer than {} bytes", crate::suggest::MAX_CHARS)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_said_in_the_message() {
        assert!(bucket(3600).is_ok());
        assert!(
            matches!(bucket(4_611_686_018_427_387_904), Err(ApiError::BadRequest(m)) if m.contains("bucket must be"))
        );
        assert!(page(0).is_ok() && page(u32::MAX).is_err());
        assert!(text("abc").is_ok() && text(&"x".repeat(301)).is_err());
    }
}
