//! Browser entry point: panic hook, console logging, server URL, mount. Nothing else.

fn main() {
    console_error_panic_hook::set_once();
    let _ = console_log::init_with_level(log::Level::Info);
    // Server functions live under the configured base path (e.g. /stats/rpc/...).
    let base: &'static str = Box::leak(app::ui::base_path().into_boxed_str());
    leptos::server_fn::client::set_server_url(base);
    leptos::mount::mount_to_body(app::App);
}
