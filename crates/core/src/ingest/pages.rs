//! Reading a KurrentDB stream page by page: which page to fetch next, and when to stop.
//!
//! A stream's head page lists its newest events. Reading forwards starts from the feed's `last`
//! link (`0/forward/N`) and follows `previous` (or `prev`) until a page comes back empty. Every
//! page is asked for with `embed=body`, so that entries carry their data. A feed whose links lead
//! back to a page already read (the first one included) would be read forever, or twice: it is
//! stopped there, and said so.

use rustc_hash::FxHashSet;
use serde_json::Value;
use url::Url;

use crate::decode::{kurrent, Place, Problem, ProblemKind};
use crate::follow::Unfollowable;
use crate::origin::{resolve, with_embed};

/// A read stops after this many pages, whatever the links say.
pub const MAX_PAGES: usize = 100_000;

/// The pages of one feed read so far, and the one to fetch next.
#[derive(Clone, Debug)]
pub struct Pager {
    seen: FxHashSet<Url>,
    /// How many pages have been taken.
    n_pages: usize,
    /// The empty page the read ended on: where new events will appear, for a long-poll.
    end: Option<Url>,
}

/// What to do after a page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NextPage {
    /// Fetch this page, then hand it to `Pager::after`.
    Fetch(Url),
    /// The feed has been read to its end.
    Done,
    /// Reading stopped here, for this reason.
    Stop(Problem),
}

impl Pager {
    /// Starts reading a feed whose head page was fetched from `head_url`. Returns the pager and
    /// the first page to read: the `last` page; with no such link, the head page with
    /// `embed=body`; or, when the head page was fetched that way, the head page itself (`None`),
    /// which the caller then reads as page 1.
    pub fn start(head_url: &Url, head: &Value) -> (Pager, Option<NextPage>) {
        let mut pager = Pager {
            seen: FxHashSet::default(),
            n_pages: 0,
            end: None,
        };
        pager.seen.insert(head_url.clone());
        let first = match kurrent::start_page(head) {
            Some(last) => Some(pager.follow(&last, head_url)),
            // A stream that fits in its head page has no `last` link. Its entries carry no
            // bodies unless the page was asked for with `embed=body`: it is then fetched again
            // that way, rather than read as events without data.
            None if with_embed(head_url) != *head_url => {
                Some(pager.follow(head_url.as_str(), head_url))
            }
            None => None,
        };
        pager.seen.insert(with_embed(head_url));
        (pager, first)
    }

    /// The number of the page about to be taken, from 1.
    pub fn page_number(&self) -> usize {
        self.n_pages + 1
    }

    /// Notes a page fetched from `url` and says what comes next: an empty page ends the read,
    /// else the `previous` link is followed.
    pub fn after(&mut self, url: &Url, page: &Value) -> NextPage {
        self.n_pages += 1;
        if kurrent::is_empty_page(page) {
            self.end = Some(url.clone());
            return NextPage::Done;
        }
        match kurrent::next_page(page) {
            Some(next) if self.n_pages < MAX_PAGES => self.follow(&next, url),
            Some(_) => NextPage::Stop(Problem::new(
                Place::Url {
                    url: url.to_string(),
                    status: 200,
                },
                ProblemKind::TooManyPages { max: MAX_PAGES },
            )),
            None => NextPage::Done,
        }
    }

    /// The empty page the read ended on, which a long-poll asks for again (`core::follow`).
    pub fn end(&self) -> Option<&Url> {
        self.end.as_ref()
    }

    /// Notes a page a long-poll brought from `url` and says which to ask for next: the same one
    /// while it is empty, else the page after it (`None`, with the problem, when it links to
    /// none or to a page already read).
    pub fn after_polled(&mut self, url: &Url, page: &Value) -> Result<Url, Problem> {
        match self.after(url, page) {
            NextPage::Done if kurrent::is_empty_page(page) => Ok(url.clone()),
            NextPage::Fetch(next) => {
                self.end = Some(next.clone());
                Ok(next)
            }
            NextPage::Done => Err(Problem::new(
                Place::Url {
                    url: url.to_string(),
                    status: 200,
                },
                ProblemKind::CannotFollow(Unfollowable::NoNewerPage),
            )),
            NextPage::Stop(problem) => Err(problem),
        }
    }

    /// True when the page is empty: it is not decoded.
    pub fn is_empty(page: &Value) -> bool {
        kurrent::is_empty_page(page)
    }

    /// The page a link names, made absolute against the page it is on, unless it was read.
    fn follow(&mut self, link: &str, from: &Url) -> NextPage {
        let place = || Place::Url {
            url: from.to_string(),
            status: 200,
        };
        let url = match resolve(link, from.as_str()) {
            Ok(url) => with_embed(&url),
            Err(err) => {
                return NextPage::Stop(Problem::new(
                    place(),
                    ProblemKind::BadLink {
                        link: link.to_string(),
                        message: err.to_string(),
                    },
                ))
            }
        };
        if !self.seen.insert(url.clone()) {
            return NextPage::Stop(Problem::new(
                place(),
                ProblemKind::FeedLoops {
                    url: url.to_string(),
                },
            ));
        }
        NextPage::Fetch(url)
    }
}
