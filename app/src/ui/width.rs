//! The width a chart's box has, followed as the window resizes, so charts are drawn to it
//! (their text keeps its size on a phone instead of being scaled down with the drawing).

use leptos::prelude::*;

/// Keeps `width` equal to the width `holder` has, now and whenever the window resizes.
pub fn follow_width(holder: NodeRef<leptos::html::Div>, width: RwSignal<f64>) {
    let measure = move || {
        if let Some(el) = holder.get_untracked() {
            let w = f64::from(el.client_width());
            if w > 0.0 && (w - width.get_untracked()).abs() >= 1.0 {
                width.set(w);
            }
        }
    };
    Effect::new(move |_| {
        if holder.get().is_some() {
            measure();
        }
    });
    let handle = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || handle.remove());
}
