//! One Tab stop for a list or a table of many buttons (the roving tabindex of the WAI-ARIA
//! listbox and grid patterns): only the button the keyboard is on is in the Tab order; the arrow
//! keys, Home and End move it, and Tab leaves. Where it is, is a signal, read within the list's
//! size as it is now, so that a list that became shorter still has its Tab stop (its last
//! button); each button reads its `tabindex` from it and says where it is with `data-cell`
//! (`row.column`), which is how a key finds the button to focus. A table whose rows are drawn as they scroll into view
//! (`period_table`) focuses a row not drawn yet once it is (`show_pending`).

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The button the keyboard is on, by row and column, among the list's rows and columns of
/// buttons; and whether a key moved it to a row not drawn yet.
#[derive(Clone, Copy)]
pub struct Roving {
    at: RwSignal<(usize, usize)>,
    size: Signal<(usize, usize)>,
    pending: StoredValue<bool>,
}

impl Roving {
    /// A Tab stop over `size` (rows, columns) buttons, starting at the first.
    pub fn new(size: Signal<(usize, usize)>) -> Roving {
        Roving {
            at: RwSignal::new((0, 0)),
            size,
            pending: StoredValue::new(false),
        }
    }

    /// The button the keyboard is on, within the list as it is now: past its end, its last.
    fn current(self) -> (usize, usize) {
        let ((row, column), (n_rows, n_columns)) = (self.at.get(), self.size.get());
        (
            row.min(n_rows.saturating_sub(1)),
            column.min(n_columns.saturating_sub(1)),
        )
    }

    /// `0` for the button the keyboard is on, `-1` for the others.
    pub fn tab_index(self, cell: (usize, usize)) -> impl Fn() -> &'static str + Send + Sync + Copy {
        move || match self.current() == cell {
            true => "0",
            false => "-1",
        }
    }

    /// Makes `cell` the button the keyboard is on (it took the focus, by a click or a key).
    pub fn focused(self, cell: (usize, usize)) {
        self.at.set(cell);
    }

    /// The row the keyboard is on.
    pub fn row(self) -> usize {
        untrack(|| self.current().0)
    }

    /// Moves to the button a key names; false for a key that does not move.
    pub fn key(self, key: &str) -> bool {
        let (row, column) = untrack(|| self.current());
        let (n_rows, n_columns) = self.size.get_untracked();
        let (last_row, last_column) = (n_rows.saturating_sub(1), n_columns.saturating_sub(1));
        let next = match key {
            "ArrowDown" => ((row + 1).min(last_row), column),
            "ArrowUp" => (row.saturating_sub(1), column),
            "ArrowRight" if n_columns > 1 => (row, (column + 1).min(last_column)),
            "ArrowLeft" if n_columns > 1 => (row, column.saturating_sub(1)),
            "Home" if n_columns > 1 => (row, 0),
            "End" if n_columns > 1 => (row, last_column),
            "Home" => (0, 0),
            "End" => (last_row, 0),
            _ => return false,
        };
        self.at.set(next);
        self.pending.set_value(true);
        true
    }

    /// Moves the focus by a key pressed in a list (one column): the list's keydown handler. The
    /// page's own keys do not also take it.
    pub fn on_list_key(self, ev: &leptos::ev::KeyboardEvent) {
        if !self.key(&ev.key()) {
            return;
        }
        ev.prevent_default();
        ev.stop_propagation();
        if let Some(list) = ev
            .current_target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        {
            self.show_pending(&list);
        }
    }

    /// Focuses the button a key moved to, if one is waiting and it is drawn in `within`; true
    /// once it is focused.
    pub fn show_pending(self, within: &web_sys::Element) -> bool {
        if !self.pending.get_value() {
            return true;
        }
        let selector = format!("[data-cell=\"{}\"]", cell_name(untrack(|| self.current())));
        let cell = within
            .query_selector(&selector)
            .ok()
            .flatten()
            .and_then(|cell| cell.dyn_into::<web_sys::HtmlElement>().ok());
        let Some(cell) = cell else {
            return false;
        };
        self.pending.set_value(false);
        let _ = cell.focus();
        true
    }
}

/// A button's place (`data-cell`): its row and column, `12.3`.
pub fn cell_name((row, column): (usize, usize)) -> String {
    format!("{row}.{column}")
}
