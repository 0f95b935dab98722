//! The CloudEvents sdk-java fixtures and the spec's own examples, decoded or rejected as the
//! CloudEvents 1.0 specification says.

use crate::common;

use chronoscope_core::decode::{decode_text, Format};
use common::{corpus_path, decode_corpus};
use serde_json::json;

const SDK: &str = "cloudevents/sdk-java-json-jackson-test-resources";

/// The fixtures the specification rejects, and the rule each breaks.
fn expected_rejection(file: &str) -> Option<&'static str> {
    match file {
        "fail_numeric_decimal.json" => Some("is not an integer"),
        "fail_numeric_long.json" => Some("does not fit a 32-bit integer"),
        "json_data_with_ext_invalid.json" => {
            Some("`a_invalid_name` must be lower-case letters and digits only")
        }
        "json_data_with_ext_upper_case.json" => {
            Some("`aString` must be lower-case letters and digits only")
        }
        _ => None,
    }
}

#[test]
fn every_sdk_java_fixture_decodes_or_is_rejected_as_the_spec_says() {
    let mut n_decoded = 0;
    let mut n_rejected = 0;
    for version in ["v1", "v03"] {
        let dir = corpus_path(&format!("{SDK}/{version}"));
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        files.sort();
        for file in files {
            let (decoded, _) = decode_text(
                &std::fs::read_to_string(dir.join(&file)).unwrap(),
                Some(Format::CloudEvents),
            );
            match expected_rejection(&file) {
                Some(rule) => {
                    assert!(
                        decoded.events.is_empty(),
                        "{version}/{file} should be rejected"
                    );
                    assert!(
                        decoded.problems[0].message().contains(rule),
                        "{version}/{file}: {}",
                        decoded.problems[0]
                    );
                    n_rejected += 1;
                }
                None => {
                    assert!(
                        decoded.problems.is_empty(),
                        "{version}/{file}: {:?}",
                        decoded.problems
                    );
                    assert_eq!(decoded.events.len(), 1, "{version}/{file}");
                    let event = &decoded.events[0];
                    assert_eq!(event.kind, "mock.test");
                    assert_eq!(event.id.as_deref(), Some("1"));
                    n_decoded += 1;
                }
            }
        }
    }
    eprintln!("sdk-java fixtures: {n_decoded} decoded, {n_rejected} rejected");
    assert_eq!((n_decoded, n_rejected), (23, 8));
}

#[test]
fn fixture_fields_map_to_stream_time_data_and_meta() {
    let (decoded, detection) = decode_corpus(&format!("{SDK}/v1/json_data_with_ext.json"));
    assert_eq!(detection.format, Format::CloudEvents);
    let event = &decoded.events[0];
    assert_eq!(event.stream, "sub");
    assert_eq!(event.time.to_rfc3339(), "2018-04-26T12:48:09+00:00");
    assert_eq!(event.meta["source"], json!("http://localhost/source"));
    assert_eq!(event.meta["astring"], json!("aaa"));
    assert_eq!(event.meta["anumber"], json!(10));

    let (min, _) = decode_corpus(&format!("{SDK}/v1/min.json"));
    assert_eq!(min.events[0].stream, "http://localhost/source");
    assert_eq!(min.events[0].meta["time_absent"], json!(true));

    let (fractional, _) = decode_corpus(&format!("{SDK}/v1/json_data_with_fractional_time.json"));
    assert_eq!(
        fractional.events[0].time.timestamp_subsec_nanos(),
        123_400_000
    );
}

#[test]
fn base64_data_is_json_when_the_content_type_says_so_and_text_otherwise() {
    let (json_data, _) = decode_corpus(&format!("{SDK}/v1/base64_json_data.json"));
    assert_eq!(json_data.events[0].data, json!({}));
    let (xml, _) = decode_corpus(&format!("{SDK}/v1/base64_xml_data.json"));
    assert_eq!(xml.events[0].data, json!("<stuff></stuff>"));
    let (v03, _) = decode_corpus(&format!("{SDK}/v03/base64_json_data.json"));
    assert_eq!(v03.events[0].data, json!({}));
    let (text, _) = decode_corpus(&format!("{SDK}/v1/text_data.json"));
    assert!(text.events[0].data.is_string());
}

#[test]
fn the_spec_examples_decode_including_a_batch_and_correlation() {
    let (batch, detection) = decode_corpus("cloudevents/json-format_example_06.json");
    assert_eq!(detection.format, Format::CloudEvents);
    assert_eq!(batch.events.len(), 2);
    // The spec's example holds a placeholder where the base64 goes: kept as text, and said so.
    assert_eq!(batch.problems.len(), 1);
    assert!(
        batch.problems[0]
            .to_string()
            .starts_with("element 0: `data_base64` is not base64"),
        "{}",
        batch.problems[0]
    );
    assert_eq!(batch.events[0].data, json!("... base64 encoded string ..."));
    assert_eq!(batch.events[1].data["appinfoB"], json!(123));
    let (empty, _) = decode_corpus("cloudevents/json-format_example_07.json");
    assert!(empty.events.is_empty());
    let (xml, _) = decode_corpus("cloudevents/json-format_example_01.json");
    assert!(xml.events[0].data.as_str().unwrap().contains('<'));

    let mut n_correlated = 0;
    for n in 0..8 {
        let path = format!("cloudevents/ext-correlation_example_{n:02}.json");
        if !corpus_path("cloudevents")
            .join(format!("ext-correlation_example_{n:02}.json"))
            .exists()
        {
            continue;
        }
        let (decoded, _) = decode_corpus(&path);
        assert!(
            decoded.problems.is_empty(),
            "{path}: {:?}",
            decoded.problems
        );
        for event in &decoded.events {
            assert!(
                event.meta.get("correlationid").is_none(),
                "{path}: mapped to correlation_id"
            );
            n_correlated += event.meta.contains_key("correlation_id") as usize;
        }
    }
    assert!(
        n_correlated >= 5,
        "{n_correlated} events carried a correlation id"
    );
}

#[test]
fn data_with_data_base64_and_missing_required_attributes_are_rejected() {
    let both = json!({"specversion": "1.0", "id": "1", "type": "t", "source": "s", "data": {}, "data_base64": "e30="});
    let (decoded, _) = decode_text(&both.to_string(), Some(Format::CloudEvents));
    assert_eq!(
        decoded.problems[0].message(),
        "has both `data` and `data_base64`"
    );
    let no_source = json!({"specversion": "1.0", "id": "1", "type": "t"});
    let (decoded, _) = decode_text(&no_source.to_string(), Some(Format::CloudEvents));
    assert_eq!(
        decoded.problems[0].message(),
        "missing required attribute `source`"
    );
}
