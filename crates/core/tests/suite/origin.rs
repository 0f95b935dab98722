//! Source addresses and credentials (`core::origin`): a credential goes only to the origin it
//! was typed for, however a feed's links or a later URL try to lead it elsewhere.

use chronoscope_core::embed::Allowlist;
use chronoscope_core::link::ViewState;
use chronoscope_core::origin::{
    credential_for, foreign_origins, header_for, host_headers, resolve, secrets_for, secrets_to,
    with_embed, Credential, Keys, Secret,
};
use chronoscope_protocol::Secrets;
use url::Url;

const PAGE: &str = "http://127.0.0.1:8080/index.html?src=x";

fn basic() -> Secret {
    Secret::Basic {
        user: "admin".into(),
        password: "changeit".into(),
    }
}

#[test]
fn a_credential_goes_only_to_the_origin_it_was_typed_for() {
    let typed_for = resolve("/secure/streams/po", PAGE).unwrap();
    let credential = credential_for(basic(), &typed_for);
    assert_eq!(credential.origin.as_deref(), Some("http://127.0.0.1:8080"));
    let header = header_for(&credential, &typed_for);
    assert_eq!(header.as_deref(), Some("Basic YWRtaW46Y2hhbmdlaXQ="));
    let same_origin_page = resolve("/secure/streams/po/0/forward/20", PAGE).unwrap();
    assert_eq!(header_for(&credential, &same_origin_page), header);
    for elsewhere in [
        "http://127.0.0.1:8081/streams/po",
        "https://127.0.0.1:8080/streams/po",
        "http://localhost:8080/streams/po",
        "http://evil.example/streams/po",
        "//evil.example/streams/po",
    ] {
        let url = resolve(elsewhere, PAGE).unwrap();
        assert_eq!(header_for(&credential, &url), None, "{elsewhere}");
    }
}

#[test]
fn a_credential_typed_before_any_source_goes_nowhere() {
    let credential = Credential {
        secret: basic(),
        origin: None,
    };
    let url = resolve("/streams/po", PAGE).unwrap();
    assert_eq!(header_for(&credential, &url), None);
    assert!(!credential.is_none());
    assert!(Credential::default().is_none());
}

#[test]
fn a_bearer_token_is_sent_trimmed() {
    let url = resolve("https://es.example/streams/po", PAGE).unwrap();
    let credential = credential_for(
        Secret::Bearer {
            token: " abc.def \n".into(),
        },
        &url,
    );
    assert_eq!(
        header_for(&credential, &url).as_deref(),
        Some("Bearer abc.def")
    );
}

#[test]
fn feed_pages_ask_for_bodies_unless_the_url_says_how_to_embed() {
    let url = resolve("/streams/po/0/forward/20", PAGE).unwrap();
    assert_eq!(
        with_embed(&url).as_str(),
        "http://127.0.0.1:8080/streams/po/0/forward/20?embed=body"
    );
    let rich = resolve("/streams/po?embed=rich", PAGE).unwrap();
    assert_eq!(with_embed(&rich), rich);
    let other = resolve("/streams/po?a=1", PAGE).unwrap();
    assert_eq!(
        with_embed(&other).as_str(),
        "http://127.0.0.1:8080/streams/po?a=1&embed=body"
    );
}

#[test]
fn only_http_and_https_are_sources_and_other_schemes_say_why() {
    use chronoscope_core::origin::{resolve, AddressError};
    let page = "https://chronoscope.example/app/";
    for (address, message) in [
        ("javascript:alert(1)", "a javascript: address is not read: sources are fetched over http or https"),
        ("JavaScript:alert(1)", "a javascript: address is not read: sources are fetched over http or https"),
        ("data:application/x-ndjson,{}", "a data: address is not read: sources are fetched over http or https; paste the text instead"),
        ("file:///home/ana/po.ndjson", "a file: address is not read: sources are fetched over http or https; open the file instead"),
    ] {
        let err = resolve(address, page).expect_err(address);
        assert!(matches!(err, AddressError::Scheme { .. }), "{address}: {err:?}");
        assert_eq!(err.to_string(), message, "{address}");
    }
    assert_eq!(
        resolve("po.ndjson", page).map(|u| u.to_string()),
        Ok("https://chronoscope.example/app/po.ndjson".into())
    );
    assert!(resolve("http://es.example:2113/streams/po-1", page).is_ok());
}

#[test]
fn a_link_names_each_other_origin_it_would_fetch_from_once() {
    let (view, ignored) = ViewState::from_query(
        "src=//127.0.0.1:9/events.ndjson&proj=https://docs.example/p.json\
         &map=%7B%22stream%22%3A%22%2Fid%22%7D",
    );
    assert_eq!(ignored, Vec::<String>::new());
    assert_eq!(
        view.fetched_addresses(),
        ["//127.0.0.1:9/events.ndjson", "https://docs.example/p.json"]
    );
    assert_eq!(
        foreign_origins(&view.fetched_addresses(), PAGE),
        ["http://127.0.0.1:9", "https://docs.example"]
    );
    // Relative addresses, and the page's own origin however it is spelled, are not foreign.
    let own = [
        "demo/x.ndjson",
        "/streams/po",
        "http://127.0.0.1:8080/y",
        "HTTP://127.0.0.1:8080/z",
    ];
    assert_eq!(foreign_origins(&own, PAGE), Vec::<String>::new());
    let twice = ["https://a.example/1", "https://a.example:443/2"];
    assert_eq!(foreign_origins(&twice, PAGE), ["https://a.example"]);
}

#[test]
fn a_projection_or_mapping_address_with_a_user_and_password_is_refused_like_a_source() {
    for (param, text) in [
        ("proj", "proj=//admin:hunter2@docs.example/p.json"),
        ("map", "map=http:%5C%5Cadmin:hunter2@docs.example/m.json"),
    ] {
        let (view, ignored) = ViewState::from_query(text);
        assert_eq!(
            ignored,
            [format!(
                "{param} carries a user name or password; credentials are never put in a link"
            )]
        );
        assert_eq!((view.projection, view.mapping), (None, None));
        assert!(!view_query_has_secret(text));
    }
}

/// Whether the view read from `text`, written back as a link, still carries the password.
fn view_query_has_secret(text: &str) -> bool {
    ViewState::from_query(text).0.to_query().contains("hunter2")
}

#[test]
fn config_json_lists_the_origins_a_link_may_fetch_from_without_asking() {
    let config = r#"{"embed": {"allowed_origins": []},
        "sources": {"allowed_origins": ["https://cambium.example"]}}"#;
    let allowed = Allowlist::sources_from_config(config).unwrap();
    assert!(allowed.lists("https://cambium.example"));
    assert!(!allowed.lists("https://other.example"));
    let bad = r#"{"sources": {"allowed_origins": ["https://cambium.example/path"]}}"#;
    let err = Allowlist::sources_from_config(bad).unwrap_err();
    assert_eq!(err.place, "sources.allowed_origins[0]");
    assert!(Allowlist::sources_from_config("{}")
        .unwrap()
        .origins
        .is_empty());
}

#[test]
fn the_engines_side_is_given_headers_only_for_the_sources_origin_and_sends_them_nowhere_else() {
    let source = Url::parse("https://cambium.example:8443/api/po/1042/events").unwrap();
    let secret = Secret::Bearer {
        token: "t0ken".into(),
    };
    let credential = credential_for(secret, &source);
    let host = host_headers(&source, vec![("X-Tenant".into(), "acme".into())]);
    let keys = Keys {
        credential,
        host: Some(host),
    };
    let secrets = secrets_for(&keys, &source);
    assert_eq!(secrets.origin, "https://cambium.example:8443");
    assert_eq!(
        secrets.headers,
        [
            ("Authorization".to_string(), "Bearer t0ken".to_string()),
            ("X-Tenant".to_string(), "acme".to_string())
        ]
    );
    // A feed's next page on the same origin carries them; one on another host or port does not.
    let page = Url::parse("https://cambium.example:8443/api/po/1042/events?page=2").unwrap();
    assert_eq!(secrets_to(&secrets, &page).len(), 2);
    for elsewhere in [
        "https://cambium.example/api",
        "https://evil.example:8443/api",
        "http://cambium.example:8443/api",
    ] {
        let url = Url::parse(elsewhere).unwrap();
        assert!(secrets_to(&secrets, &url).is_empty(), "{elsewhere}");
    }
    // A source on another origin than the credential's is given nothing to send.
    let other = Url::parse("https://other.example/events").unwrap();
    let none = secrets_for(&keys, &other);
    assert_eq!(none, Secrets::default());
    assert!(secrets_to(&none, &other).is_empty());
}
