//! Watch lists (`<base>/watches?<filter>`): a form to watch the page's filter, and the
//! signed-in user's watches with their latest notifications. Who is signed in is the SSO
//! proxy's business: without it the server answers 401 and the page says how to sign in.

use std::fmt::Write;

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use super::base::{base_path, filter_words, view_href};
use super::views::ViewsHeader;
use crate::api::{watch_delete, watch_list, watch_save, ApiError};
use crate::filter::{Filter, RequestStatus};
use crate::format::utc_datetime;
use crate::markup::escape;
use crate::watch::{Condition, Watch, WatchSpec};

/// What the form holds; the component only wires it.
#[derive(Clone, Copy)]
struct Form {
    name: RwSignal<String>,
    statuses: RwSignal<Vec<String>>,
    flags: [RwSignal<bool>; 3],
    completion: RwSignal<String>,
    webhook: RwSignal<String>,
    email: RwSignal<String>,
    outcome: RwSignal<Option<(bool, String)>>,
}

/// The flag conditions, in the order of `Form::flags`.
const FLAGS: [(Condition, &str); 3] = [
    (Condition::Stuck, "stuck in its status past the alert's threshold"),
    (Condition::Stalled, "stalled"),
    (Condition::DatasetInvalid, "an output dataset turns INVALID or DELETED"),
];

impl Form {
    fn new() -> Form {
        let text = || RwSignal::new(String::new());
        Form {
            name: text(),
            statuses: RwSignal::new(vec!["completed".into()]),
            flags: [RwSignal::new(false), RwSignal::new(true), RwSignal::new(false)],
            completion: text(),
            webhook: text(),
            email: text(),
            outcome: RwSignal::new(None),
        }
    }

    fn conditions(&self) -> Result<Vec<Condition>, String> {
        let mut on: Vec<Condition> = self
            .statuses
            .get_untracked()
            .iter()
            .filter_map(|s| RequestStatus::parse(s).map(Condition::Status))
            .collect();
        on.extend(FLAGS.iter().zip(self.flags).filter(|(_, f)| f.get_untracked()).map(|((c, _), _)| *c));
        let completion = self.completion.get_untracked();
        if !completion.trim().is_empty() {
            on.push(Condition::parse(&format!("completion:{}", completion.trim()))?);
        }
        Ok(on)
    }

    fn spec(&self, filter: Filter) -> Result<WatchSpec, String> {
        let optional = |s: RwSignal<String>| Some(s.get_untracked().trim().to_owned()).filter(|t| !t.is_empty());
        let spec = WatchSpec {
            name: self.name.get_untracked(),
            filter,
            on: self.conditions()?,
            webhook: optional(self.webhook),
            email: optional(self.email),
        };
        spec.check()?;
        Ok(spec)
    }

    /// Saves the watch; `saved` runs when the server took it.
    fn save(self, filter: Filter, saved: impl Fn() + 'static) {
        let spec = match self.spec(filter) {
            Ok(s) => s,
            Err(e) => return self.outcome.set(Some((false, e))),
        };
        self.outcome.set(None);
        leptos::task::spawn_local(async move {
            let WatchSpec { name, filter, on, webhook, email } = spec;
            match watch_save(name, filter, on, webhook, email, super::admin::token()).await {
                Ok(_) => {
                    self.outcome.set(Some((true, "Saved: you will be notified of what happens from now on.".into())));
                    saved();
                }
                Err(e) => self.outcome.set(Some((false, refusal(&e)))),
            }
        });
    }
}

/// What a refusal means to the person at the page.
fn refusal(e: &ApiError) -> String {
    match e {
        ApiError::Unauthorized(_) => {
            "Not signed in: open Stats2 through the CERN single sign-on to keep watches.".into()
        }
        other => other.to_string(),
    }
}

/// The page.
#[component]
pub fn WatchesPage() -> impl IntoView {
    let location = use_location();
    let filter = Memo::new(move |_| Filter::from_query(&location.search.get()).map_err(|e| e.to_string()));
    let list = LocalResource::new(|| async { watch_list(super::admin::token()).await });
    let form = Form::new();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form.save(filter.get_untracked().unwrap_or_default().with_page(0), move || list.refetch());
    };
    let words = move || match filter.get() {
        Ok(f) if f.active().next().is_some() || !f.facets.is_empty() => filter_words(&f),
        Ok(_) => "all workflows".into(),
        Err(e) => e,
    };
    view! {
        <ViewsHeader filter=filter title="Watches"/>
        <super::admin::TokenField/>
        <form class="watch-form" on:submit=save>
            <h2>"Watch this filter"</h2>
            <p class="watch-filter">"Workflows: " <strong>{words}</strong></p>
            {form_fields(form)}
            <button type="submit" class="button">"Save watch"</button>
            {move || form.outcome.get().map(|(ok, m)| {
                view! { <p class=if ok { "saved" } else { "error" } role="status">{m}</p> }
            })}
        </form>
        <h2>"Your watches"</h2>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading your watches…"</p> }>
            {move || list.get().map(|r| match r {
                Ok(ws) if ws.is_empty() => view! { <p>"No watches yet."</p> }.into_any(),
                Ok(ws) => view! { <div on:click=move |ev| delete(ev, list) inner_html=markup(&ws)></div> }.into_any(),
                Err(e) => view! { <p class="error" role="alert">{refusal(&e)}</p> }.into_any(),
            })}
        </Suspense>
    }
}

fn form_fields(form: Form) -> impl IntoView {
    let text = |label: &'static str, kind: &'static str, value: RwSignal<String>, hint: &'static str| {
        view! {
            <label><span>{label}</span>
                <input type=kind placeholder=hint prop:value=value
                    on:change=move |ev| value.set(event_target_value(&ev))/>
            </label>
        }
    };
    let pick = move |ev: leptos::ev::Event| {
        use web_sys::wasm_bindgen::JsCast;
        let Some(select) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) else { return };
        let options = select.selected_options();
        let chosen = (0..options.length()).filter_map(|i| options.item(i)?.text_content()).collect();
        form.statuses.set(chosen);
    };
    let statuses = RequestStatus::ALL.map(|s| {
        let selected = move || form.statuses.with(|c| c.iter().any(|x| x == s.as_str()));
        view! { <option selected=selected>{s.as_str()}</option> }
    });
    view! {
        {text("Name", "text", form.name, "e.g. my campaign")}
        <label><span>"Notify when a workflow reaches"</span>
            <select multiple size="6" class="watch-statuses" on:change=pick>{statuses.to_vec()}</select>
        </label>
        <fieldset><legend>"or when a workflow is"</legend>
            {FLAGS.iter().zip(form.flags).map(|((_, words), flag)| view! {
                <label class="check"><input type="checkbox" prop:checked=flag
                    on:change=move |ev| flag.set(event_target_checked(&ev))/>{*words}</label>
            }).collect_view()}
        </fieldset>
        {text("or reaches a completion of (%)", "number", form.completion, "e.g. 90")}
        {text("Webhook (Mattermost, Slack)", "url", form.webhook, "https://…")}
        {text("E-mail", "email", form.email, "you@cern.ch")}
    }
}

/// The watches as markup, each with its latest notifications and a delete button.
fn markup(watches: &[Watch]) -> String {
    let mut out = String::from("<ul class=\"watches\">");
    for w in watches {
        let on = w.spec.on.iter().map(|c| c.text()).collect::<Vec<_>>().join(", ");
        let targets = [w.spec.webhook.as_deref().map(|_| "webhook"), w.spec.email.as_deref()].into_iter().flatten();
        let targets = targets.collect::<Vec<_>>().join(", ");
        let _ = write!(
            out,
            "<li class=\"watch\"><strong>{}</strong> ({}) · <a href=\"{}\">its list</a> · on {} · to {} · since {} UTC \
             <button type=\"button\" class=\"button delete-watch\" data-id=\"{}\">Delete</button><ul class=\"notices\">",
            escape(&w.spec.name),
            escape(&w.owner),
            escape(&view_href(&w.spec.filter)),
            escape(&on),
            escape(&targets),
            utc_datetime(w.created),
            escape(&w.id),
        );
        for n in &w.recent {
            let state = n.error.as_ref().map_or(n.state.clone(), |e| format!("{}: {e}", n.state));
            let _ = write!(
                out,
                "<li>{0} UTC · <a href=\"{1}/workflow/{2}\">{2}</a> · {3} · <span class=\"notice-state\">{4}</span></li>",
                utc_datetime(n.time),
                escape(&base_path()),
                escape(&n.workflow),
                escape(&n.condition.text()),
                escape(&state),
            );
        }
        out.push_str("</ul></li>");
    }
    out.push_str("</ul>");
    out
}

/// Deletes the watch whose button was clicked, then lists again.
fn delete(ev: leptos::ev::MouseEvent, list: LocalResource<Result<Vec<Watch>, ApiError>>) {
    use web_sys::wasm_bindgen::JsCast;
    let id = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).and_then(|e| e.get_attribute("data-id"));
    let Some(id) = id else { return };
    leptos::task::spawn_local(async move {
        if watch_delete(id, super::admin::token()).await.is_ok() {
            list.refetch();
        }
    });
}
