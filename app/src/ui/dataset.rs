//! One output dataset: progress bar coloured by status, completion and counts, size, type,
//! DAS and harvesting links (D11–D21).

use leptos::prelude::*;

use super::base::filter_href;
use crate::filter::FilterKey;
use crate::forecast::Outlook;
use crate::format::{nice_size, thousands};
use crate::links::{das, harvesting};
use crate::rows::DatasetRow;

/// "over 100 %: 12,000 of 10,000 events": a count past what was asked for is either an
/// extension or a counting error, and is shown as such rather than as a full bar.
fn over_note(perc: f64, count: i64, expected: Option<i64>, what: &str) -> Option<String> {
    if perc <= 100.0 {
        return None;
    }
    let expected = expected.filter(|e| *e > 0).map_or_else(|| "?".to_owned(), thousands);
    Some(format!("over 100 %: {} of {expected} {what}", thousands(count)))
}

/// A dataset line with its progress bar; `done` (force-completed) shows it complete, with
/// what it produced beside; `expected` is the workflow's total in the line's unit.
#[component]
pub fn DatasetLine(dataset: DatasetRow, #[prop(optional)] done: bool, expected: Option<i64>) -> impl IntoView {
    let (perc, what, count) = match (dataset.lumi_completed_perc, dataset.lumis) {
        (Some(p), Some(l)) => (p, "lumisections", l),
        _ => (dataset.completed_perc.unwrap_or(0.0), "events", dataset.events),
    };
    let perc = if done { 100.0 } else { perc };
    let over = over_note(perc, count, expected, what);
    let status = dataset.status.as_str().to_owned();
    let class = dataset.status.css_class();
    let (track, bar) = if over.is_some() { ("track over", "over") } else { ("track", class.as_ref()) };
    view! {
        <div class="dataset">
            <span class=track role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=format!("{perc:.2}")
                title=format!("{status}, {perc:.2}%")>
                <span class=format!("bar {bar}") style=format!("width: {:.2}%", perc.clamp(0.0, 100.0))></span>
            </span>
            <span class="tier">{dataset.datatier.clone()}</span>
            <span class="perc" title=format!("completed (on {what})")>{format!("{perc:.2}%")}</span>
            {over.map(|o| view! { <span class="over" data-testid="over">{o}</span> })}
            {done.then(|| view! { <span class="fc" title="force-completed: done whatever it produced">"FC"</span> })}
            <span class="count">{format!("{what}: {}", thousands(count))}</span>
            {(dataset.size > 0).then(|| view! {
                <span class="size" title=format!("{} bytes", dataset.size)>{nice_size(dataset.size)}</span>
            })}
            <span class=format!("type {class}")>{status.clone()}</span>
            {dataset.forecast.filter(|f| !f.complete).map(|f| {
                let outlook = f.outlook(Some(perc));
                let text = match outlook {
                    Outlook::Eta(eta) => format!("ETA {}", &crate::format::utc_datetime(eta)[..16]),
                    other => other.words().unwrap_or_default(),
                };
                let cls = outlook.css_class();
                view! { <span class=cls title=format!("{} per hour recently", thousands(f.rate_per_hour.round() as i64))>{text}</span> }
            })}
            <a class="ext" href=das(&dataset.name) rel="noopener" target="_blank">"DAS"</a>
            {(dataset.datatier == "DQMIO").then(|| view! {
                <a class="ext" href=harvesting(&dataset.name) rel="noopener" target="_blank">"Harvesting"</a>
            })}
            <a class="dsname" href=filter_href(FilterKey::OutputDataset, &dataset.name)>{dataset.name.clone()}</a>
        </div>
    }
}
