//! The analytics views' URLs: a performance query read from and written to a query string
//! (the filter's parameters plus `from`, `to`, `bins`, `scale`), the list URL behind each
//! table cell, and the short numbers and durations the views print.

use super::{DurationQuery, Scale, DEFAULT_BINS};
use crate::filter::{Filter, FilterKey, RequestStatus};

/// The statuses a performance view measures between when the URL does not say: assignment
/// to completion, the processing time operators follow.
pub const DEFAULT_SPAN: (RequestStatus, RequestStatus) = (RequestStatus::Assigned, RequestStatus::Completed);

/// Reads a performance query from a query string; a bad value says which and why.
pub fn duration_query(search: &str) -> Result<DurationQuery, String> {
    let filter = Filter::from_query(search).map_err(|e| e.to_string())?;
    let mut q =
        DurationQuery { filter, from: DEFAULT_SPAN.0, to: DEFAULT_SPAN.1, bins: DEFAULT_BINS, scale: Scale::Linear };
    for (k, v) in form_urlencoded::parse(search.trim_start_matches('?').as_bytes()) {
        let status = || RequestStatus::parse(&v).ok_or_else(|| format!("{k} {v:?} is not a ReqMgr2 request status"));
        match &*k {
            "from" => q.from = status()?,
            "to" => q.to = status()?,
            "bins" => q.bins = v.parse().map_err(|_| format!("bins must be a whole number, not {v:?}"))?,
            "scale" => {
                q.scale = match &*v {
                    "log" => Scale::Log,
                    "linear" => Scale::Linear,
                    _ => return Err(format!("scale must be linear or log, not {v:?}")),
                }
            }
            _ => {}
        }
    }
    q.validate()?;
    Ok(q)
}

/// The query string of a performance query (page and page size left out: the view has none).
pub fn duration_query_string(q: &DurationQuery) -> String {
    let mut filter = q.filter.clone().with_page(0);
    filter.page_size = None;
    let mut out = filter.to_query();
    let scale = match q.scale {
        Scale::Linear => "linear",
        Scale::Log => "log",
    };
    let extra = format!("from={}&to={}&bins={}&scale={scale}", q.from, q.to, q.bins);
    if !out.is_empty() {
        out.push('&');
    }
    out.push_str(&extra);
    out
}

/// The list behind a campaign table cell: the table's filter with that campaign and that
/// status (the status replaces any chosen; the campaign joins the other parameters with AND).
/// `None` for a status the filter cannot name (none, or an older spelling).
pub fn cell_filter(base: &Filter, campaign: Option<&str>, status: Option<&str>) -> Option<Filter> {
    let mut f = base.clone().with_page(0);
    if let Some(c) = campaign {
        f.set(FilterKey::Campaign, Some(c.to_owned()));
        f.match_all = f.match_all || f.active().count() > 1;
    }
    if let Some(s) = status {
        f.facets.status = vec![RequestStatus::parse(s)?];
    }
    Some(f)
}

/// A count in a few characters: 950, 12.3k, 4.5M, 1.2G.
pub fn short_count(n: i64) -> String {
    let a = n.unsigned_abs() as f64;
    let sign = if n < 0 { "-" } else { "" };
    match a {
        a if a < 1e3 => format!("{n}"),
        a if a < 1e6 => format!("{sign}{:.1}k", a / 1e3),
        a if a < 1e9 => format!("{sign}{:.1}M", a / 1e6),
        a => format!("{sign}{:.1}G", a / 1e9),
    }
}

/// A duration in its natural unit: 45 s, 12 min, 5.5 h, 3.2 d.
pub fn human_duration(secs: f64) -> String {
    match secs {
        s if s < 60.0 => format!("{s:.0} s"),
        s if s < 3600.0 => format!("{:.0} min", s / 60.0),
        s if s < 2.0 * 86_400.0 => format!("{:.1} h", s / 3600.0),
        s => format!("{:.1} d", s / 86_400.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn performance_urls_round_trip_and_bad_values_say_why() {
        let q = duration_query("campaign=C&status=completed&from=new&to=announced&bins=7&scale=log").unwrap();
        assert_eq!((q.from, q.to, q.bins, q.scale), (RequestStatus::New, RequestStatus::Announced, 7, Scale::Log));
        assert_eq!(q.filter.campaign.as_deref(), Some("C"));
        assert_eq!(duration_query(&duration_query_string(&q)).unwrap(), q);
        let d = duration_query("").unwrap();
        assert_eq!((d.from, d.to, d.bins, d.scale), (DEFAULT_SPAN.0, DEFAULT_SPAN.1, DEFAULT_BINS, Scale::Linear));
        assert!(duration_query("from=runing").unwrap_err().contains("runing"));
        assert!(duration_query("bins=0").unwrap_err().contains("bins"));
        assert!(duration_query("bins=x").unwrap_err().contains("bins"));
        assert!(duration_query("scale=cubic").unwrap_err().contains("scale"));
        assert!(duration_query("status=nope").is_err());
    }

    #[test]
    fn a_cell_lists_its_campaign_and_status_within_the_filter() {
        let base = Filter::from_query("tier=AODSIM&status=new").unwrap();
        let f = cell_filter(&base, Some("Camp"), Some("running-open")).unwrap();
        assert_eq!(f.to_query(), "campaign=Camp&status=running-open&tier=AODSIM");
        let with_type = Filter::from_query("type=ReReco").unwrap();
        assert!(cell_filter(&with_type, Some("Camp"), None).unwrap().match_all, "AND with the other parameters");
        assert_eq!(cell_filter(&base, None, Some("epic-FAILED")), None);
    }

    #[test]
    fn short_numbers_and_durations() {
        assert_eq!(short_count(950), "950");
        assert_eq!(short_count(12_345), "12.3k");
        assert_eq!(short_count(4_500_000), "4.5M");
        assert_eq!(short_count(1_200_000_000), "1.2G");
        assert_eq!(human_duration(45.0), "45 s");
        assert_eq!(human_duration(720.0), "12 min");
        assert_eq!(human_duration(5.5 * 3600.0), "5.5 h");
        assert_eq!(human_duration(3.25 * 86_400.0), "3.2 d");
    }
}
