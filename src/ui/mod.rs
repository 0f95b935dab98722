//! The browser app: Leptos panels that render what the engine, in its Web Worker, answers.
//!
//! One context (`AppCtx`) holds the view state, which *is* the deep link, and the engine's
//! answers about the open source. Every panel asks the engine (`engine`) for what the view names
//! and changes the view only by writing a new view state, which `url` mirrors into the address
//! bar with `replaceState`. No component keeps a second copy of what the URL says.

mod actions;
mod app;
mod as_of_box;
mod blame_panel;
mod clipboard;
mod connect;
mod context;
mod credential_form;
mod density_strip;
mod diff_list;
mod dom;
mod download;
mod embed;
mod engine;
mod event_detail;
mod event_list;
mod export_menu;
mod feed;
mod follow;
mod follow_bar;
mod format;
mod format_picker;
mod integrity_report;
mod json_tree;
mod keyboard;
mod load_status;
mod loader;
mod long_text;
mod model_panel;
mod moment;
mod paste_box;
mod period_table;
mod print_report;
mod problem_list;
mod roving;
mod scrub_controls;
mod side_by_side;
mod source_bar;
mod state_panel;
mod stream_list;
mod timeline_scrubber;
mod trail_panel;
mod url;
mod virtual_rows;
mod worker_client;

pub use app::{App, Inspector, MountedPanel};
pub use chronoscope_core::origin::Credential;
pub use context::AppCtx;
pub use diff_list::DiffList;
pub use engine::InPage;
pub use event_list::EventList;
pub use json_tree::JsonTree;
pub use long_text::LongText;
