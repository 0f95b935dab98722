//! The browser entry point: install the panic hook and mount the app on the page, unless the
//! page loaded Chronoscope as a library (`chronoscope-embed.js`) to mount panels itself with
//! `mount_panel`.
use wasm_bindgen::prelude::*;

/// Talc rather than Rust's default wasm allocator (dlmalloc), as in the engine's worker: the
/// same allocator on both sides, and 229 B less of the first load after brotli.
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    console_error_panic_hook::set_once();
    let library = js_sys::Reflect::get(&js_sys::global(), &"__chronoscopeLibrary".into())
        .is_ok_and(|flag| flag.is_truthy());
    if !library {
        leptos::mount::mount_to_body(chronoscope::ui::App);
    }
}

/// A panel mounted into an element of the page (`chronoscope-embed.js`).
#[wasm_bindgen]
pub struct Panel(chronoscope::ui::MountedPanel);

#[wasm_bindgen]
impl Panel {
    /// Takes a host message (the embedding contract's envelope, as JSON text) and returns the
    /// answer as JSON text, or nothing.
    pub fn send(&self, message: &str) -> Option<String> {
        self.0.send(message)
    }

    /// Unmounts the panel and removes everything it added to the page.
    pub fn destroy(&mut self) {
        self.0.destroy();
    }
}

/// Mounts a compact panel into `root`; `on_message` receives each of its messages as JSON text.
#[wasm_bindgen]
pub fn mount_panel(
    root: web_sys::HtmlElement,
    on_message: js_sys::Function,
) -> Result<Panel, JsError> {
    chronoscope::ui::MountedPanel::mount(root, on_message)
        .map(Panel)
        .ok_or_else(|| JsError::new("the panel could not be mounted"))
}
