//! `chronoscope serve` as a panel meets it: the command started as a person starts it, asked
//! over a real WebSocket. With the token, a served source is read and every answer is the one
//! the engine gives in process for the same requests; a wrong token, another page's origin, a
//! rebound host name and a file it was not started with are each refused, with the reason.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use chronoscope_core::engine::Engine;
use chronoscope_protocol::{frame, Answer, Envelope, Request};
use tungstenite::handshake::client::generate_key;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::{Message, WebSocket};

use super::{arg, demo};

mod tables;

/// The demo's page, which the server allows without `--origin`.
const DEMO_PAGE: &str = "http://127.0.0.1:8080";

/// `chronoscope serve` running, with the port and token it printed; stopped when dropped.
struct Server {
    child: Child,
    port: u16,
    token: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `chronoscope serve` on a free port and reads its greeting.
fn serve(extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_chronoscope"))
        .args(["serve", "--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the server starts");
    let stdout = child.stdout.take().expect("its output");
    let (mut port, mut token) = (None, None);
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("a line of its greeting");
        if let Some(address) = line.strip_prefix("chronoscope serve: the engine is at ws://") {
            port = address.rsplit(':').next().and_then(|p| p.parse().ok());
        }
        if let Some(given) = line.strip_prefix("token: ") {
            token = Some(given.to_string());
        }
        if line.starts_with("Open the panel") {
            break;
        }
    }
    Server {
        child,
        port: port.expect("the greeting names the port"),
        token: token.expect("the greeting has the token"),
    }
}

/// Opens a WebSocket to the server as a page of `origin` whose address names `host`.
fn connect(
    server: &Server,
    host: &str,
    origin: Option<&str>,
) -> Result<WebSocket<TcpStream>, tungstenite::Error> {
    let mut request = tungstenite::http::Request::builder()
        .uri(format!("ws://127.0.0.1:{}/", server.port))
        .header("Host", host)
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Version", "13")
        .header("Sec-WebSocket-Key", generate_key());
    if let Some(origin) = origin {
        request = request.header("Origin", origin);
    }
    let request = request.body(()).expect("a handshake");
    let stream = TcpStream::connect(("127.0.0.1", server.port)).expect("the port answers");
    match tungstenite::client(request, stream) {
        Ok((socket, _)) => Ok(socket),
        Err(tungstenite::HandshakeError::Failure(err)) => Err(err),
        Err(tungstenite::HandshakeError::Interrupted(_)) => panic!("a blocking handshake"),
    }
}

/// A connection the server let in, with the token given and `ready` read.
fn ready(server: &Server) -> WebSocket<TcpStream> {
    let host = format!("127.0.0.1:{}", server.port);
    let mut socket = connect(server, &host, Some(DEMO_PAGE)).expect("the handshake");
    socket
        .send(Message::text(server.token.clone()))
        .expect("the token is sent");
    let first = next_text(&mut socket);
    let ready: Envelope<Answer> = serde_json::from_str(&first).expect("an answer");
    assert_eq!(ready.id, 0);
    assert!(matches!(ready.body, Answer::Ready { .. }), "{first}");
    socket
}

fn next_text(socket: &mut WebSocket<TcpStream>) -> String {
    match socket.read().expect("a message") {
        Message::Text(text) => text.to_string(),
        other => panic!("a text message, not {other:?}"),
    }
}

/// Asks one request and gives its answer, past any notice of a read (`done: false`).
fn ask(socket: &mut WebSocket<TcpStream>, id: u64, request: Request) -> Answer {
    let text = serde_json::to_string(&Envelope::new(id, request)).expect("a request");
    socket
        .send(Message::text(text))
        .expect("the request is sent");
    loop {
        let text = next_text(socket);
        let answer: Envelope<Answer> = serde_json::from_str(&text).expect("an answer");
        assert_eq!(answer.id, id, "{text}");
        match answer.body {
            Answer::Read(read) if !read.done => continue,
            body => return body,
        }
    }
}

/// The demo opened in an engine in this process, everything folded.
fn in_process() -> Engine {
    let text = std::fs::read_to_string(demo()).expect("the demo");
    opened_in_process("cambium-demo.ndjson", text)
}

/// `text` opened as `label` in an engine in this process, everything folded.
fn opened_in_process(label: &str, text: String) -> Engine {
    let mut engine = Engine::new();
    let open = Request::Open {
        label: label.into(),
        text,
        link: String::new(),
        documents: Vec::new(),
    };
    engine.answer(Envelope::new(1, open));
    while engine.work(usize::MAX) {}
    engine
}

/// The questions a panel asks of a source once it is open.
fn questions() -> Vec<Request> {
    vec![
        Request::Streams {
            filter: String::new(),
            selected: None,
            max: None,
        },
        Request::Moment {
            link: "stream=po-1012&v=3".into(),
            at: None,
        },
        Request::Integrity,
    ]
}

#[test]
fn with_the_token_a_served_source_is_read_and_answered_as_the_engine_in_process_answers() {
    let server = serve(&[arg(&demo())]);
    let mut socket = ready(&server);

    let served = ask(&mut socket, 1, Request::Served);
    let size = std::fs::metadata(demo()).expect("the demo").len();
    assert_eq!(
        served,
        Answer::Served(vec!["cambium-demo.ndjson".to_string()])
    );

    let read = Request::ReadFile {
        label: "cambium-demo.ndjson".into(),
        link: String::new(),
        documents: Vec::new(),
    };
    let Answer::Read(read) = ask(&mut socket, 2, read) else {
        panic!("a read")
    };
    assert_eq!(read.received, size);
    let opened = read.opened.expect("the source read");
    let mut engine = in_process();
    let Answer::Opened(here) = engine.answer(Envelope::new(2, Request::Status)).body else {
        panic!("the status in process")
    };
    assert!(opened.n_events > 100, "{opened:?}");
    assert_eq!(opened.n_events, here.n_events);
    assert_eq!(opened.n_streams, here.n_streams);

    // `integrity` waits for every stream's fold, which the server does between requests.
    for (id, question) in (3..).zip(questions()) {
        let there = ask(&mut socket, id, question.clone());
        let here = engine.answer(Envelope::new(id, question)).body;
        assert!(!matches!(there, Answer::Refused(_)), "{there:?}");
        assert_eq!(there, here);
    }
}

#[test]
fn a_wrong_token_closes_the_connection_with_the_reason() {
    let server = serve(&[arg(&demo())]);
    let host = format!("localhost:{}", server.port);
    let mut socket = connect(&server, &host, Some(DEMO_PAGE)).expect("the handshake");
    let wrong: String = server.token.chars().rev().collect();
    assert_ne!(wrong, server.token);
    socket
        .send(Message::text(wrong))
        .expect("the token is sent");
    match socket.read() {
        Ok(Message::Close(Some(frame))) => {
            assert_eq!(frame.code, CloseCode::Policy);
            assert_eq!(frame.reason.as_str(), "the token is not this engine's");
        }
        other => panic!("a close, not {other:?}"),
    }
}

#[test]
fn another_origin_a_rebound_host_or_no_origin_is_refused_at_the_handshake() {
    let server = serve(&[arg(&demo()), "--origin", "https://cambium.example"]);
    let host = format!("127.0.0.1:{}", server.port);
    let refused = |host: &str, origin: Option<&str>| match connect(&server, host, origin) {
        Err(tungstenite::Error::Http(response)) => {
            let body = response.body().clone().unwrap_or_default();
            (
                response.status().as_u16(),
                String::from_utf8_lossy(&body).into_owned(),
            )
        }
        other => panic!("a refusal, not {:?}", other.map(|_| "a connection")),
    };
    // Allowed: the origin given; the demo's is then no longer allowed.
    assert!(connect(&server, &host, Some("https://cambium.example")).is_ok());
    let (status, why) = refused(&host, Some(DEMO_PAGE));
    assert_eq!(status, 403);
    assert_eq!(
        why,
        "pages of `http://127.0.0.1:8080` may not connect (--origin allows one)"
    );
    assert_eq!(refused(&host, None).0, 403);
    let rebound = format!("evil.example:{}", server.port);
    let (status, why) = refused(&rebound, Some("https://cambium.example"));
    assert_eq!(status, 403);
    assert_eq!(why, format!("the host `{rebound}` is not this server"));
}

#[test]
fn only_the_sources_it_was_started_with_are_read() {
    let server = serve(&[arg(&demo())]);
    let mut socket = ready(&server);
    let cargo = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    for (id, label) in (1..).zip(["../Cargo.toml", cargo, "Cargo.toml"]) {
        let read = Request::ReadFile {
            label: label.into(),
            link: String::new(),
            documents: Vec::new(),
        };
        let answer = ask(&mut socket, id, read);
        let text = serde_json::to_string(&answer).expect("an answer");
        assert!(
            text.contains(&format!(
                "serves no source `{label}`; it serves: cambium-demo.ndjson"
            )),
            "{text}"
        );
    }
    let url = chronoscope_protocol::ReadUrl {
        label: "x".into(),
        link: String::new(),
        documents: Vec::new(),
        url: "file:///etc/passwd".into(),
        keys: Default::default(),
    };
    let fetch = Request::Fetch {
        url: "http://127.0.0.1:1/x".into(),
        secrets: None,
    };
    for (id, request) in (4..).zip([Request::Read(Box::new(url)), fetch]) {
        let text = serde_json::to_string(&ask(&mut socket, id, request)).expect("an answer");
        let said = "this engine reads only the sources it was started with: cambium-demo.ndjson";
        assert!(text.contains(said), "{text}");
    }
}

#[test]
fn requests_and_answers_with_bytes_beside_them_are_binary_messages() {
    let server = serve(&[arg(&demo())]);
    let mut socket = ready(&server);
    let bytes = std::fs::read(demo()).expect("the demo");
    let open = Request::OpenAttached {
        label: "pasted".into(),
        link: String::new(),
        documents: Vec::new(),
    };
    let json = serde_json::to_string(&Envelope::new(1, open)).expect("a request");
    socket
        .send(Message::binary(frame::join(&json, &bytes)))
        .expect("the request is sent");
    let opened: Envelope<Answer> = serde_json::from_str(&next_text(&mut socket)).expect("json");
    assert!(
        matches!(opened.body, Answer::Opened(_)),
        "{:?}",
        opened.body
    );

    let evidence = crate::evidence_request();
    let json = serde_json::to_string(&Envelope::new(2, evidence)).expect("a request");
    socket
        .send(Message::text(json))
        .expect("the request is sent");
    let Message::Binary(message) = socket.read().expect("the pack") else {
        panic!("a binary message")
    };
    let len = u32::from_be_bytes(message[..4].try_into().expect("four bytes")) as usize;
    let answer: Envelope<Answer> = serde_json::from_slice(&message[4..4 + len]).expect("json");
    assert_eq!(answer.id, 2);
    assert!(matches!(answer.body, Answer::File(_)), "{:?}", answer.body);
    // The pack is a zip file.
    assert_eq!(&message[4 + len..4 + len + 4], b"PK\x03\x04");
}
