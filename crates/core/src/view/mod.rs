//! What the page shows, decided without a browser: the status line of a load and the count of
//! its problems (`text`), the shortlist of streams a filter leaves (`streams`), where a move or a
//! click on the scrubber lands (`moves`), and the geometry of the virtualized event list
//! (`list_window`). The components in `src/ui` only render what these functions return.

pub mod list_window;
pub mod moves;
pub mod shown;
pub mod streams;
pub mod text;
