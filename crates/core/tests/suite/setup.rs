//! The choices a load is made with, read from the view (`core::ingest::setup`): the documents
//! it names, and what happens when one cannot be used.

use chronoscope_core::decode::{Format, Place, Problem, ProblemKind};
use chronoscope_core::ingest::setup::{documents_of, prepare, DocumentSource, Documents};
use chronoscope_core::link::ViewState;

const DEMO_PROJECTION: &str = "demo/cambium.projection.json";

#[test]
fn the_demo_is_read_with_its_own_projection_unless_the_link_names_another() {
    let (demo, _) = ViewState::from_query("");
    assert_eq!(
        documents_of(&demo, DEMO_PROJECTION),
        Documents {
            mapping: None,
            projection: Some(DocumentSource::Address(DEMO_PROJECTION.into()))
        }
    );
    let (named, _) = ViewState::from_query("proj=%7B%22rules%22%3A%7B%7D%7D&map=maps/audit.json");
    assert_eq!(
        documents_of(&named, DEMO_PROJECTION),
        Documents {
            mapping: Some(DocumentSource::Address("maps/audit.json".into())),
            projection: Some(DocumentSource::Inline(r#"{"rules":{}}"#.into()))
        }
    );
    let (source, _) = ViewState::from_query("src=events.ndjson");
    assert_eq!(
        documents_of(&source, DEMO_PROJECTION),
        Documents {
            mapping: None,
            projection: None
        }
    );
}

#[test]
fn the_view_chooses_format_zone_mapping_and_projection() {
    let (view, _) = ViewState::from_query("fmt=laravel&tz=%2B02:00");
    let mapping = r#"{"stream": "/table", "type": "/action", "time": "/at"}"#;
    let prepared = prepare(
        &view,
        Documents {
            mapping: Some((DocumentSource::of(mapping), Ok(mapping.to_string()))),
            projection: Some((
                DocumentSource::Address("p.json".into()),
                Ok(r#"{"rules": {"PoClosed": [{"op": "delete"}]}}"#.to_string()),
            )),
        },
    );
    assert_eq!(prepared.problems, vec![]);
    assert_eq!(prepared.setup.format, Some(Format::Laravel));
    assert_eq!(prepared.setup.options.naive_offset.local_minus_utc(), 7_200);
    assert!(prepared.setup.options.mapping.is_some());
    let projection = prepared.setup.projection.unwrap();
    assert!(projection.has_rules("PoClosed"));
    assert!(prepared.projection_text.unwrap().contains("PoClosed"));
}

#[test]
fn a_document_that_cannot_be_used_is_a_problem_naming_it_and_the_load_goes_on() {
    let (view, _) = ViewState::from_query("");
    let fetch_failed = Problem::new(
        Place::Url {
            url: "p.json".into(),
            status: 404,
        },
        ProblemKind::Fetch("the server answered 404 Not Found".into()),
    );
    let prepared = prepare(
        &view,
        Documents {
            mapping: Some((DocumentSource::of("{not json"), Ok("{not json".to_string()))),
            projection: Some((
                DocumentSource::Address("p.json".into()),
                Err(fetch_failed.clone()),
            )),
        },
    );
    assert_eq!(prepared.problems.len(), 2);
    assert_eq!(prepared.problems[0].place, Place::Link("map".into()));
    assert!(prepared.problems[0]
        .message()
        .starts_with("the mapping is not valid"));
    assert_eq!(prepared.problems[1], fetch_failed);
    assert!(prepared.setup.options.mapping.is_none());
    assert!(prepared.setup.projection.is_none());
}

#[test]
fn a_format_this_version_does_not_know_is_detected_and_said_so() {
    let (view, _) = ViewState::from_query("fmt=evil");
    let no_documents = Documents {
        mapping: None,
        projection: None,
    };
    let prepared = prepare(&view, no_documents);
    assert_eq!(prepared.setup.format, None);
    assert_eq!(
        prepared.problems,
        vec![Problem::new(
            Place::Link("fmt".into()),
            ProblemKind::Link("fmt=evil is not a format Chronoscope reads; it is detected".into())
        )]
    );
}
