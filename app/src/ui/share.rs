//! "Copy short link": the page's path (with its query) made short by the server, copied to
//! the clipboard where the browser allows it, and shown for copying by hand where not.

use leptos::prelude::*;
use leptos::wasm_bindgen::{JsCast, JsValue};

use crate::api::shorten;

/// The current path and query, base path included (what the link stands for).
fn current_path() -> Option<String> {
    let location = web_sys::window()?.location();
    Some(format!("{}{}", location.pathname().ok()?, location.search().ok()?))
}

/// Writes `text` to the clipboard, if the page may (`navigator.clipboard.writeText`).
fn copy(text: &str) -> Option<()> {
    let get = |on: &JsValue, key: &str| js_sys::Reflect::get(on, &JsValue::from_str(key)).ok();
    let clipboard = get(&get(&web_sys::window()?.into(), "navigator")?, "clipboard")?;
    let write: js_sys::Function = get(&clipboard, "writeText")?.dyn_into().ok()?;
    write.call1(&clipboard, &JsValue::from_str(text)).ok().map(drop)
}

/// The button, and the link once made.
#[component]
pub fn ShortLinkButton() -> impl IntoView {
    let made = RwSignal::new(None::<Result<String, String>>);
    let make = move |_| {
        let Some(path) = current_path() else { return };
        leptos::task::spawn_local(async move {
            let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
            let answer = shorten(path).await.map(|l| format!("{origin}{}", l.url)).map_err(|e| e.to_string());
            if let Ok(url) = &answer {
                copy(url);
            }
            made.set(Some(answer));
        });
    };
    view! {
        <button type="button" class="short-link" on:click=make>"Copy short link"</button>
        {move || made.get().map(|r| match r {
            Ok(url) => view! {
                <input class="short-link-url" readonly aria-label="Short link (copied)" prop:value=url size="34"/>
            }.into_any(),
            Err(e) => view! { <span class="error" role="alert">{e}</span> }.into_any(),
        })}
    }
}
