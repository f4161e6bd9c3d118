//! Times as the operators want them: UTC text, the browser's local time on hover, "ago".

use leptos::prelude::*;

use crate::format::{relative, utc_datetime};

/// Unix seconds now, from the browser clock.
pub fn now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

fn local(t: i64) -> String {
    let d = js_sys::Date::new(&js_sys::wasm_bindgen::JsValue::from_f64(t as f64 * 1000.0));
    String::from(d.to_locale_string("default", &js_sys::wasm_bindgen::JsValue::UNDEFINED))
}

/// `<ago> ago (YYYY-MM-DD HH:MM:SS UTC)` with the local time as tooltip (D3, D5); a time
/// ahead of this clock reads "in …" with a clock-skew mark, never as a negative age.
#[component]
pub fn When(t: i64) -> impl IntoView {
    let (text, ahead) = relative(now(), t);
    let (class, note) = if ahead { ("skew", " · clock skew?") } else { ("", "") };
    view! {
        <time class=class datetime=utc_datetime(t).replace(' ', "T") + "Z" title=format!("local time: {}{note}", local(t))>
            {format!("{text} ({} UTC)", utc_datetime(t))}
        </time>
    }
}
