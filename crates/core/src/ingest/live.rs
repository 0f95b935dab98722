//! Feeds and following: a feed's pages as they are fetched (`feed_page`, `page_failed`), where
//! the next one is, and a followed source's live end (`go_live`, a polled page, a connection
//! ended and made again).

use serde_json::Value;
use url::Url;

use super::pages::{NextPage, Pager};
use super::{
    could_be_lines, last_line_is_whole, read_page, shape_of, Fault, Ingest, ResumePoint, Shape,
};
use crate::decode::Problem;
use crate::source_text::SourceText;

impl Ingest {
    /// Gives the page `Step::Fetch` asked for.
    pub fn feed_page(&mut self, url: &Url, bytes: Vec<u8>) {
        self.awaiting = None;
        match read_page(url, bytes) {
            Ok((text, page)) => self.take_page(url, text, &page),
            Err(problem) => self.problems.push(problem),
        }
    }

    /// The empty page a feed's read ended on: the one to long-poll for new events.
    pub fn poll_url(&self) -> Option<&Url> {
        self.pager.as_ref()?.end()
    }

    /// Takes a page a long-poll brought, after the load: its events are appended. Gives the
    /// page to ask for next (the same one while it is empty); `None` when the feed cannot be
    /// followed further, which a problem then says. A page that cannot be read is a problem,
    /// and the same page is asked for again.
    pub fn take_polled_page(&mut self, url: &Url, bytes: Vec<u8>) -> Option<Url> {
        let (text, page) = match read_page(url, bytes) {
            Ok(read) => read,
            Err(problem) => {
                self.problems.push(problem);
                return Some(url.clone());
            }
        };
        let pager = self.pager.as_mut()?;
        let number = pager.page_number();
        let next = pager.after_polled(url, &page);
        if !Pager::is_empty(&page) {
            self.queue_records(text, Some(number));
        }
        next.map_err(|problem| self.problems.push(problem)).ok()
    }

    /// A followed source has caught up: the whole lines that arrived are read as records (a
    /// line still arriving waits for the rest), the events are folded, and what comes next is
    /// appended. False, and the source is read whole as usual, when it is one document: a
    /// KurrentDB feed is then followed by long-polling, and anything else cannot be.
    ///
    /// `ended` says the response ended: its shape is then judged as a whole source's is.
    pub fn go_live(&mut self, ended: bool) -> bool {
        if self.ended {
            return self.shape == Shape::Lines;
        }
        if self.shape == Shape::Unknown {
            let pending = self.blocks.pending();
            self.shape = match ended {
                true => shape_of(pending),
                false if could_be_lines(pending) => Shape::Lines,
                false => Shape::Whole,
            };
        }
        if self.shape != Shape::Lines {
            self.finish();
            return false;
        }
        self.ended = true;
        self.take_whole_lines();
        true
    }

    /// A followed source's connection ended: a last line without its newline is a record when
    /// it is whole JSON (a file that does not end in a newline); a line cut short is dropped at
    /// the reconnect, which sends it again.
    pub fn connection_ended(&mut self) {
        if last_line_is_whole(self.blocks.pending()) == Some(true) {
            self.append(b"\n");
        }
    }

    /// A followed source lost its connection and reconnects: a line that was still arriving
    /// is dropped (it comes again whole), and from now on events sent again are dropped
    /// (`Timeline::drop_resent`).
    pub fn reconnected(&mut self) {
        self.blocks.drop_partial();
        self.timeline.drop_resent();
    }

    /// The page `Step::Fetch` asked for could not be fetched: reading the feed stops there.
    pub fn page_failed(&mut self, problem: Problem) {
        if let Some(url) = self.awaiting.take() {
            self.fault = Some(Fault {
                point: ResumePoint::Page(url),
                n_cut: 0,
                problems: vec![problem.clone()],
            });
        }
        self.problems.push(problem);
    }

    /// Takes one page of a feed: its entries are decoded, and the next page is asked for.
    pub(super) fn take_page(&mut self, url: &Url, text: SourceText, page: &Value) {
        let Some(pager) = &mut self.pager else {
            return self.queue_records(text, None);
        };
        let number = pager.page_number();
        let next = pager.after(url, page);
        if !Pager::is_empty(page) {
            self.queue_records(text, Some(number));
        }
        self.go_to(next);
    }

    pub(super) fn go_to(&mut self, next: NextPage) {
        match next {
            NextPage::Fetch(url) => self.awaiting = Some(url),
            NextPage::Done => {}
            NextPage::Stop(problem) => self.problems.push(problem),
        }
    }
}
