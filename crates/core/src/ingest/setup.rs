//! The choices a load is made with, read from the view (the deep link): the format (`fmt=`), the
//! zone of times without one (`tz=`), a custom mapping (`map=`) and a projection (`proj=`, or
//! the demo's own when the view is the demo). A mapping or projection is given as its JSON or as
//! the address of a file; the browser fetches the files, and this module decides everything
//! else. A choice that cannot be used is a problem, and the load goes on without it.

use std::sync::Arc;

use crate::decode::mapping::Mapping;
use crate::decode::{DecodeOptions, Format};
use crate::link::{parse_offset, ViewState};
use crate::problem::{Place, Problem, ProblemKind};
use crate::projection::Projection;

use super::Setup;

/// A `map=` or `proj=` value: the document itself, or the address of a file that holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocumentSource {
    Inline(String),
    Address(String),
}

impl DocumentSource {
    /// JSON (it starts with `{`) is the document itself; anything else is an address.
    pub fn of(value: &str) -> DocumentSource {
        match value.trim_start().starts_with('{') {
            true => DocumentSource::Inline(value.to_string()),
            false => DocumentSource::Address(value.to_string()),
        }
    }

    /// Where a problem with the document is: the link (`map`, `proj`) or the file's URL.
    fn place(&self, param: &str) -> Place {
        match self {
            DocumentSource::Inline(_) => Place::Link(param.to_string()),
            DocumentSource::Address(url) => Place::Url {
                url: url.clone(),
                status: 200,
            },
        }
    }
}

/// The documents a view needs: its mapping and its projection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Documents<T> {
    pub mapping: Option<T>,
    pub projection: Option<T>,
}

/// Which documents a view names. The demo (no `src`, no `file`) is read with its own projection
/// unless the link names another.
pub fn documents_of(view: &ViewState, demo_projection: &str) -> Documents<DocumentSource> {
    let is_demo = view.src.is_none() && view.file.is_none();
    let projection = view
        .projection
        .as_deref()
        .or(is_demo.then_some(demo_projection));
    Documents {
        mapping: view.mapping.as_deref().map(DocumentSource::of),
        projection: projection.map(DocumentSource::of),
    }
}

/// What a load is made with, and what could not be used.
#[derive(Debug)]
pub struct Prepared {
    pub setup: Setup,
    pub problems: Vec<Problem>,
    /// The projection's text as written, for the editor.
    pub projection_text: Option<String>,
}

/// The load's choices from the view and the texts of its documents (each read or fetched by
/// the caller, or the problem that stopped it).
pub fn prepare(
    view: &ViewState,
    documents: Documents<(DocumentSource, Result<String, Problem>)>,
) -> Prepared {
    let mut problems = Vec::new();
    let mut options = DecodeOptions::default();
    if let Some(offset) = view.naive_offset.as_deref().and_then(parse_offset) {
        options.naive_offset = offset;
    }
    if let Some((source, text)) = documents.mapping {
        match read(&source, "map", text, Mapping::parse) {
            Ok((mapping, _)) => options.mapping = Some(mapping),
            Err(problem) => problems.push(problem),
        }
    }
    let mut projection = None;
    let mut projection_text = None;
    if let Some((source, text)) = documents.projection {
        match read(&source, "proj", text, Projection::parse) {
            Ok((parsed, text)) => {
                projection = Some(Arc::new(parsed));
                projection_text = Some(text);
            }
            Err(problem) => problems.push(problem),
        }
    }
    let format = view.format.as_deref().and_then(Format::from_key);
    if let (Some(key), None) = (&view.format, format) {
        let message = format!("fmt={key} is not a format Chronoscope reads; it is detected");
        problems.push(Problem::new(
            Place::Link("fmt".into()),
            ProblemKind::Link(message),
        ));
    }
    let setup = Setup {
        format,
        options,
        projection,
        source_url: None,
    };
    Prepared {
        setup,
        problems,
        projection_text,
    }
}

/// A document's text, parsed; a problem that names the document when it cannot be.
fn read<T, E: std::fmt::Display>(
    source: &DocumentSource,
    param: &str,
    text: Result<String, Problem>,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<(T, String), Problem> {
    let text = text?;
    parse(&text).map(|parsed| (parsed, text)).map_err(|error| {
        Problem::new(
            source.place(param),
            ProblemKind::Document(error.to_string()),
        )
    })
}
