//! One connection to the live stream per page, and one per browser where it can: every
//! component's subscription shares it, and a SharedWorker (`public/live-worker.js`) shares one
//! `/events` stream among all tabs. A browser keeps six HTTP/1.1 connections per host; a
//! stream per tab, and per page held in the back/forward cache, used them all up, so the
//! seventh tab stayed blank. Without SharedWorker (some mobile browsers) the page opens its
//! own stream.
//!
//! The page leaves the stream when it is hidden for the back/forward cache or frozen, and
//! joins again when shown or resumed; what it missed meanwhile is announced as a `resync`,
//! as after a broken connection (the stream that comes back may reach another replica).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::wasm_bindgen::closure::Closure;
use js_sys::wasm_bindgen::{JsCast, JsValue};

use super::base::base_path;
use crate::rows::{EventKind, LiveEvent};

type Handler = Rc<dyn Fn(LiveEvent)>;

/// How the page hears the stream.
enum Link {
    /// A port to the shared worker, which holds the browser's one stream.
    Shared(web_sys::MessagePort),
    /// The page's own stream.
    Direct(web_sys::EventSource),
}

#[derive(Default)]
struct Hub {
    handlers: Vec<(u64, Handler)>,
    next_id: u64,
    link: Option<Link>,
    /// The stream failed since it last opened: its next open means events were missed.
    broken: bool,
    /// The page left the stream (hidden or frozen); `None` until it first joins.
    joined: Option<bool>,
}

thread_local! {
    static HUB: RefCell<Hub> = RefCell::new(Hub::default());
}

/// Adds `handle` for every event until the returned id is passed to [`remove`].
pub fn add(handle: impl Fn(LiveEvent) + 'static) -> u64 {
    let first = HUB.with_borrow(|h| h.joined.is_none());
    if first {
        watch_page_lifecycle();
    }
    let id = HUB.with_borrow_mut(|h| {
        h.next_id += 1;
        h.handlers.push((h.next_id, Rc::new(handle)));
        h.next_id
    });
    if first {
        join();
    }
    id
}

/// Removes a handler [`add`] returned.
pub fn remove(id: u64) {
    HUB.with_borrow_mut(|h| h.handlers.retain(|(i, _)| *i != id));
}

/// Calls every handler; the list is copied first, as a handler may add or remove one.
fn dispatch(event: &LiveEvent) {
    let handlers: Vec<Handler> = HUB.with_borrow(|h| h.handlers.iter().map(|(_, f)| f.clone()).collect());
    for f in handlers {
        f(event.clone());
    }
}

fn resync() -> LiveEvent {
    LiveEvent { kind: EventKind::Resync, changed: Vec::new(), run_start: None, seq: 0 }
}

fn on_data(text: &str) {
    if let Ok(event) = serde_json::from_str::<LiveEvent>(text) {
        dispatch(&event);
    }
}

fn on_error() {
    HUB.with_borrow_mut(|h| h.broken = true);
}

fn on_open() {
    if HUB.with_borrow_mut(|h| std::mem::take(&mut h.broken)) {
        dispatch(&resync());
    }
}

fn events_url() -> String {
    format!("{}/events", base_path())
}

/// Joins the stream: through the shared worker (made once), else with a stream of its own.
fn join() {
    HUB.with_borrow_mut(|h| h.joined = Some(true));
    let shared = HUB.with_borrow(|h| match &h.link {
        Some(Link::Shared(port)) => Some(port.clone()),
        _ => None,
    });
    let port = shared.or_else(|| {
        let port = connect_worker()?;
        HUB.with_borrow_mut(|h| h.link = Some(Link::Shared(port.clone())));
        Some(port)
    });
    match port {
        Some(port) => {
            let hello = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&hello, &"url".into(), &events_url().into());
            let _ = port.post_message(&hello);
        }
        None => {
            if let Some(source) = open_direct() {
                HUB.with_borrow_mut(|h| h.link = Some(Link::Direct(source)));
            }
        }
    }
}

/// Leaves the stream, so a hidden page holds no connection.
fn leave() {
    HUB.with_borrow_mut(|h| {
        h.joined = Some(false);
        match h.link.take() {
            Some(Link::Shared(port)) => {
                let bye = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&bye, &"bye".into(), &JsValue::TRUE);
                let _ = port.post_message(&bye);
                // The port stays: joining again says hello on it.
                h.link = Some(Link::Shared(port));
            }
            Some(Link::Direct(source)) => source.close(),
            None => {}
        }
    });
}

fn connect_worker() -> Option<web_sys::MessagePort> {
    let worker = web_sys::SharedWorker::new(&format!("{}/public/live-worker.js", base_path())).ok()?;
    let port = worker.port();
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|e: web_sys::MessageEvent| {
        let m = e.data();
        let field = |k: &str| js_sys::Reflect::get(&m, &k.into()).unwrap_or(JsValue::UNDEFINED);
        if let Some(text) = field("data").as_string() {
            on_data(&text);
        } else if field("error").is_truthy() {
            on_error();
        } else if field("open").is_truthy() {
            on_open();
        }
    });
    port.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    port.start();
    Some(port)
}

fn open_direct() -> Option<web_sys::EventSource> {
    let source = web_sys::EventSource::new(&events_url()).ok()?;
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|e: web_sys::MessageEvent| {
        if let Some(text) = e.data().as_string() {
            on_data(&text);
        }
    });
    let on_err = Closure::<dyn FnMut()>::new(on_error);
    let on_opened = Closure::<dyn FnMut()>::new(on_open);
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_err.as_ref().unchecked_ref()));
    source.set_onopen(Some(on_opened.as_ref().unchecked_ref()));
    on_message.forget();
    on_err.forget();
    on_opened.forget();
    Some(source)
}

/// Leaves on `pagehide` and `freeze`, joins again (and resyncs) on `pageshow` and `resume`.
fn watch_page_lifecycle() {
    let Some(window) = web_sys::window() else { return };
    let back = Closure::<dyn FnMut()>::new(|| {
        if HUB.with_borrow(|h| h.joined == Some(false)) {
            join();
            dispatch(&resync());
        }
    });
    let away = Closure::<dyn FnMut()>::new(leave);
    let _ = window.add_event_listener_with_callback("pagehide", away.as_ref().unchecked_ref());
    let _ = window.add_event_listener_with_callback("pageshow", back.as_ref().unchecked_ref());
    if let Some(document) = window.document() {
        let _ = document.add_event_listener_with_callback("freeze", away.as_ref().unchecked_ref());
        let _ = document.add_event_listener_with_callback("resume", back.as_ref().unchecked_ref());
    }
    away.forget();
    back.forget();
}
