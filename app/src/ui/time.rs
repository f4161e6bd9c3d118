//! Times as the operators want them: UTC text, the browser's local time on hover, "ago".

use leptos::prelude::*;

use crate::format::{ago, utc_datetime};

/// Unix seconds now, from the browser clock.
pub fn now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

fn local(t: i64) -> String {
    let d = js_sys::Date::new(&js_sys::wasm_bindgen::JsValue::from_f64(t as f64 * 1000.0));
    String::from(d.to_locale_string("default", &js_sys::wasm_bindgen::JsValue::UNDEFINED))
}

/// `<ago> ago (YYYY-MM-DD HH:MM:SS UTC)` with the local time as tooltip (D3, D5).
#[component]
pub fn When(t: i64) -> impl IntoView {
    view! {
        <time datetime=utc_datetime(t).replace(' ', "T") + "Z" title=format!("local time: {}", local(t))>
            {format!("{} ago ({} UTC)", ago(now(), t), utc_datetime(t))}
        </time>
    }
}
