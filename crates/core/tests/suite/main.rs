//! The engine's native tests, one module per capability, linked into one binary: the
//! modules share `common` (the sample sources) and `fuzz_harness` (the fuzz targets' checks).

mod common;
mod fuzz_harness;

mod blame;
mod decode_canonical;
mod demo;
mod diff;
mod downloads;
mod embed;
mod event_query;
mod evidence;
mod follow;
mod format_cloudevents;
mod format_debezium;
mod format_inferred;
mod format_kurrent;
mod format_real_exports;
mod format_rows;
mod fuzz_corpus;
mod ingest;
mod integrity;
mod layers;
mod link;
mod list_window;
mod numbers;
mod origin;
mod projection;
mod protocol;
mod query;
mod reduce_suites;
mod selection;
mod setup;
mod stored_zip;
mod table;
mod timeline;
mod trail;
