//! "What changed since" (`<base>/changes?since=<Unix seconds>&<filter>`): for the filter's
//! workflows, new ones, status transitions grouped by the status reached, dataset status
//! changes grouped by the status now, workflows that stalled or moved again, and removals,
//! each group counted exactly and linked to the dashboard list of exactly its workflows (the
//! `change` filter; removed workflows are in no list). "Since my last visit" is kept in the
//! browser; live runs refresh the page.

use std::fmt::Write;

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use super::base::{base_path, filter_href, view_href};
use super::filter_bar::FilterBar;
use super::views::ViewsHeader;
use crate::changes::{Changes, Named, DEFAULT_BACK};
use crate::chart::{param, with_param};
use crate::filter::{ChangeGroup, Filter, FilterKey, RequestStatus};
use crate::format::{thousands, utc_datetime};
use crate::markup::escape;

/// Entries a group shows on the page (the answer holds up to 1,000, the count all of them).
const SHOWN: usize = 50;
/// Where the browser keeps the time of the last visit.
const LAST_VISIT: &str = "stats2.changes-visit";

/// The previous visit's time, and this visit recorded as the next one's.
fn last_visit(now: i64) -> Option<i64> {
    let storage = web_sys::window()?.local_storage().ok()??;
    let before = storage.get_item(LAST_VISIT).ok()?.and_then(|t| t.parse().ok());
    let _ = storage.set_item(LAST_VISIT, &now.to_string());
    before
}

/// The page.
#[component]
pub fn ChangesPage() -> impl IntoView {
    let location = use_location();
    let filter = Memo::new(move |_| Filter::from_query(&location.search.get()).map_err(|e| e.to_string()));
    let now = (js_sys::Date::now() / 1000.0) as i64;
    let visit = last_visit(now);
    let since = Memo::new(move |_| param(&location.search.get(), "since").and_then(|s| s.parse::<i64>().ok()));
    let data = LocalResource::new(move || {
        let (f, s) = (filter.get(), since.get());
        async move { crate::api::changes(f?, s).await.map_err(|e| e.to_string()) }
    });
    super::live::on_every_run(move || data.refetch());
    let extra = Signal::derive(move || since.get().map(|s| format!("since={s}")).unwrap_or_default());
    let choices = move || choices(&location.search.get(), now, visit);
    view! {
        <ViewsHeader filter=filter title="What changed"/>
        <FilterBar filter=filter target="/changes" extra=extra/>
        <p class="since-choices" inner_html=choices></p>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Looking at what changed…"</p> }>
            {move || data.get().map(|r| match r {
                Ok(c) => {
                    let html = markup(&c, &filter.get_untracked().unwrap_or_default());
                    view! { <div class="changes" inner_html=html></div> }.into_any()
                }
                Err(e) => view! { <p class="error" role="alert">"Could not tell what changed: " {e}</p> }.into_any(),
            })}
        </Suspense>
    }
}

/// Links to the usual starting points: the last visit, a day, a week.
fn choices(search: &str, now: i64, visit: Option<i64>) -> String {
    let link = |t: i64, words: &str| {
        let href = format!("{}/changes?{}", base_path(), with_param(search, "since", Some(&t.to_string())));
        format!(r#"<a class="button since" href="{}">{}</a> "#, escape(&href), escape(words))
    };
    let mut out = String::from("Since: ");
    if let Some(t) = visit {
        out.push_str(&link(t, &format!("my last visit ({} UTC)", utc_datetime(t))));
    }
    out.push_str(&link(now - DEFAULT_BACK, "a day ago"));
    out.push_str(&link(now - 7 * 86_400, "a week ago"));
    out
}

/// A list item: the workflow (its dashboard entry) and when.
fn item(name: &str, time: i64, words: &str) -> String {
    let href = escape(&filter_href(FilterKey::WorkflowName, name));
    format!(
        r#"<li><a href="{href}">{}</a> {} <small>{} UTC</small></li>"#,
        escape(name),
        escape(words),
        utc_datetime(time)
    )
}

/// One group: its heading with the exact count (a link to its dashboard list when a filter
/// says it), then its first entries.
fn group(out: &mut String, title: &str, count: u64, link: Option<String>, items: Vec<String>) {
    let title = match link {
        Some(href) => format!(r#"<a class="group-link" href="{}">{}</a>"#, escape(&href), escape(title)),
        None => escape(title),
    };
    let _ = write!(
        out,
        r#"<section class="group"><h3>{title}: <span class="count">{}</span></h3><ul>"#,
        thousands(count as i64)
    );
    let more = count.saturating_sub(SHOWN.min(items.len()) as u64);
    items.into_iter().take(SHOWN).for_each(|i| out.push_str(&i));
    out.push_str("</ul>");
    if more > 0 {
        let _ = write!(
            out,
            r#"<p class="note">{} more not shown (the <code>changes</code> server function lists up to 1,000).</p>"#,
            thousands(more as i64)
        );
    }
    out.push_str("</section>");
}

fn named(list: &[Named], words: &str) -> Vec<String> {
    list.iter().map(|e| item(&e.name, e.time, words)).collect()
}

/// The dashboard list of the workflows with a change of `group` since the answer's `since`.
fn group_href(base: &Filter, group: ChangeGroup, since: i64) -> String {
    let mut f = base.clone();
    (f.facets.change, f.facets.change_since) = (Some(group), Some(since));
    view_href(&f)
}

/// The whole answer as markup (lighter in the bundle than a typed view per entry).
fn markup(c: &Changes, filter: &Filter) -> String {
    let mut out = format!(
        r#"<p class="summary">From {} UTC to {} UTC. Removals are known since {} UTC (when this server began watching).</p>"#,
        utc_datetime(c.since),
        utc_datetime(c.now),
        utc_datetime(c.removed_known_since)
    );
    let base = filter.clone().with_page(0);
    let link = |group| Some(group_href(&base, group, c.since));
    group(&mut out, "New workflows", c.counts.new, link(ChangeGroup::New), named(&c.new, "created"));
    let mut reached: Vec<&str> = c.transitions.iter().map(|t| t.to.as_str()).collect();
    reached.sort_unstable();
    reached.dedup();
    for to in reached {
        let of: Vec<String> = c
            .transitions
            .iter()
            .filter(|t| t.to == to)
            .map(|t| item(&t.name, t.time, &format!("from {}", t.from)))
            .collect();
        let href = RequestStatus::parse(to).and_then(|s| link(ChangeGroup::Reached(s)));
        group(&mut out, &format!("Reached {to}"), of.len() as u64, href, of);
    }
    if c.counts.transitions > c.transitions.len() as u64 {
        let _ = write!(
            out,
            r#"<p class="note">{} transitions in all; the groups above count the newest 1,000 (<a href="{}">every workflow that changed status</a>).</p>"#,
            thousands(c.counts.transitions as i64),
            escape(&group_href(&base, ChangeGroup::Transition, c.since))
        );
    }
    let datasets = c.datasets.iter().map(|d| {
        let words = format!("{}: {} → {}", d.dataset, d.from.as_str(), d.to.as_str());
        item(&d.name, d.time, &words)
    });
    group(&mut out, "Dataset status changes", c.counts.datasets, link(ChangeGroup::Dataset), datasets.collect());
    let stalled = named(&c.stalled, "stalled");
    group(&mut out, "Became stalled", c.counts.stalled, link(ChangeGroup::Stalled), stalled);
    let resumed = named(&c.resumed, "produced again");
    group(&mut out, "Moved again after stalling", c.counts.resumed, link(ChangeGroup::Resumed), resumed);
    // Removed workflows are in no list any more: the group is the only place they show.
    group(&mut out, "Removed", c.counts.removed, None, named(&c.removed, "removed"));
    out
}
