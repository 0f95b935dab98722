//! `chronoscope serve` on PostgreSQL tables read where they live, against the throwaway cluster
//! `scripts/test.sh` starts (`CHRONOSCOPE_PG`): a Cambium-like `audit_logs` table and a
//! Marten-style `mt_events` table, each filled by SQL in a database of this test's own. The
//! rows read in keyset pages are the rows a `json_agg` export of the same table holds: every
//! answer is the one the engine gives in process for that export.

use std::sync::atomic::{AtomicUsize, Ordering};

use chronoscope_core::engine::Engine;
use chronoscope_protocol::{Answer, Envelope, Request};
use postgres::{Client, NoTls};

use chronoscope_protocol::Following;
use tungstenite::Message;

use super::{ask, next_text, ready, serve};

/// The cluster's address, with its own database for each test.
fn database(name: &str) -> (String, Client) {
    let cluster = std::env::var("CHRONOSCOPE_PG").expect(
        "CHRONOSCOPE_PG names the PostgreSQL cluster the tests use: run them with scripts/test.sh",
    );
    static N: AtomicUsize = AtomicUsize::new(0);
    let db = format!(
        "{name}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = Client::connect(&cluster, NoTls).expect("the cluster answers");
    admin
        .batch_execute(&format!("CREATE DATABASE {db}"))
        .expect("a database of the test's own");
    let (base, _) = cluster.rsplit_once('/').expect("a database in the address");
    let address = format!("{base}/{db}");
    let client = Client::connect(&address, NoTls).expect("the test's database");
    (address, client)
}

/// 25,000 changes to 500 purchase orders by seven people, one a minute: two and a half pages.
const AUDIT_LOGS: &str = "
CREATE TABLE audit_logs (
    audit_id bigserial PRIMARY KEY,
    table_name text NOT NULL,
    record_id bigint NOT NULL,
    action text NOT NULL,
    changed_by text NOT NULL,
    changed_at timestamp NOT NULL,
    new_data jsonb NOT NULL
);
INSERT INTO audit_logs (table_name, record_id, action, changed_by, changed_at, new_data)
SELECT 'purchase_orders', 1000 + g % 500,
       CASE WHEN g < 500 THEN 'INSERT' ELSE 'UPDATE' END,
       'user-' || g % 7 || '@cambium.example',
       timestamp '2026-01-01 00:00:00' + g * interval '1 minute',
       jsonb_build_object('status', (ARRAY['draft','submitted','approved','received'])[1 + g % 4],
                          'total', round(g * 1.25, 2), 'note', 'change ' || g)
FROM generate_series(0, 24999) AS g;
";

/// Marten's `mt_events` columns, three streams of events whose data is jsonb.
const MT_EVENTS: &str = "
CREATE TABLE mt_events (
    seq_id bigint PRIMARY KEY,
    id uuid NOT NULL,
    stream_id uuid NOT NULL,
    version integer NOT NULL,
    data jsonb NOT NULL,
    type varchar(500) NOT NULL,
    timestamp timestamptz NOT NULL DEFAULT now(),
    tenant_id varchar NOT NULL DEFAULT '*DEFAULT*',
    mt_dotnet_type varchar,
    correlation_id varchar,
    causation_id varchar,
    headers jsonb,
    user_name varchar,
    is_archived boolean NOT NULL DEFAULT false
);
INSERT INTO mt_events (seq_id, id, stream_id, version, data, type, timestamp, mt_dotnet_type, user_name)
SELECT g, ('0c6f0d2e-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid,
       ('5f2a1b9e-0000-4000-8000-' || lpad((g % 3)::text, 12, '0'))::uuid,
       g / 3 + 1, jsonb_build_object('step', g), 'po_step_' || g % 5,
       timestamptz '2026-03-02 09:15:00+00' + g * interval '90 seconds',
       'Cambium.Events.PoStep, Cambium', 'ana.silva'
FROM generate_series(1, 300) AS g;
";

/// The table as a `json_agg` export writes it, opened in an engine in this process.
fn exported(client: &mut Client, table: &str, key: &str) -> Engine {
    let sql = format!("SELECT json_agg(t ORDER BY {key})::text FROM {table} t");
    let text: String = client.query_one(&sql, &[]).expect("the export").get(0);
    super::opened_in_process(table, text)
}

fn read(table: &str) -> Request {
    Request::ReadFile {
        label: table.into(),
        link: String::new(),
        documents: Vec::new(),
    }
}

#[test]
fn a_table_read_where_it_lives_in_keyset_pages_answers_as_its_export_does() {
    let (address, mut client) = database("tables");
    client.batch_execute(AUDIT_LOGS).expect("audit_logs");
    client.batch_execute(MT_EVENTS).expect("mt_events");
    let audit = format!("{address}?table=audit_logs");
    let marten = format!("{address}?table=mt_events");
    let server = serve(&[&audit, &marten]);
    let mut socket = ready(&server);
    let served = ask(&mut socket, 1, Request::Served);
    let labels = ["audit_logs", "mt_events"].map(String::from).to_vec();
    assert_eq!(served, Answer::Served(labels));

    let Answer::Read(read_audit) = ask(&mut socket, 2, read("audit_logs")) else {
        panic!("a read")
    };
    let opened = read_audit.opened.expect("the table read");
    assert_eq!((opened.n_events, opened.n_streams), (25_000, 500));
    assert_eq!(opened.n_problems, 0, "{:?}", opened.problems);
    assert!(opened.reason.contains("history table"), "{}", opened.reason);
    let mut export = exported(&mut client, "audit_logs", "audit_id");
    let questions = [
        Request::Streams {
            filter: String::new(),
            selected: None,
            max: None,
        },
        // A stream whose events span the pages' edges (rows 10,000 and 20,000).
        Request::Moment {
            link: "stream=purchase_orders%3A1000&v=40".into(),
            at: None,
        },
        Request::Moment {
            link: "stream=purchase_orders%3A1499&t=2026-01-10T00:00:00Z".into(),
            at: None,
        },
        Request::Integrity,
    ];
    for (id, question) in (3..).zip(questions) {
        let there = ask(&mut socket, id, question.clone());
        let here = export.answer(Envelope::new(id, question)).body;
        assert!(!matches!(there, Answer::Refused(_)), "{there:?}");
        if let Answer::Moment(moment) = &there {
            let stream = moment.selected.stream.as_deref().unwrap_or_default();
            assert!(stream.starts_with("purchase_orders:1"), "{stream}");
            assert!(moment.selected.cursor.is_some(), "{moment:?}");
        }
        assert_eq!(there, here);
    }

    let Answer::Read(read_marten) = ask(&mut socket, 10, read("mt_events")) else {
        panic!("a read")
    };
    let opened = read_marten.opened.expect("the table read");
    assert_eq!((opened.n_events, opened.n_streams), (300, 3));
    assert!(opened.reason.contains("Marten"), "{}", opened.reason);
    let mut export = exported(&mut client, "mt_events", "seq_id");
    let status = export.answer(Envelope::new(11, Request::Status)).body;
    let Answer::Opened(here) = status else {
        panic!("{status:?}")
    };
    assert_eq!(opened.format_label, here.format_label);
}

#[test]
fn a_table_that_cannot_be_read_in_pages_is_a_problem_that_names_it() {
    let (address, mut client) = database("nokey");
    client
        .batch_execute("CREATE TABLE po_activity_log (po_id bigint, at timestamptz, what text)")
        .expect("a table without a key");
    let table = format!("{address}?table=po_activity_log");
    let missing = format!("{address}?table=no_such_table");
    let server = serve(&[&table, &missing]);
    let mut socket = ready(&server);
    for (id, (label, said)) in (1..).zip([
        (
            "po_activity_log",
            "the table has no one-column primary key; name the column to read it in order by with key=",
        ),
        (
            "no_such_table",
            "PostgreSQL: relation \"no_such_table\" does not exist",
        ),
    ]) {
        let Answer::Read(read) = ask(&mut socket, id, read(label)) else {
            panic!("a read")
        };
        let opened = read.opened.expect("the source, empty");
        assert_eq!(opened.n_events, 0);
        let problems: Vec<(String, String)> = opened
            .problems
            .iter()
            .map(|p| (p.place.clone(), p.message.clone()))
            .collect();
        assert_eq!(problems, [(label.to_string(), said.to_string())]);
    }
}

#[test]
fn the_commands_read_a_table_where_it_lives_as_they_read_its_export() {
    let (address, mut client) = database("commands");
    client.batch_execute(AUDIT_LOGS).expect("audit_logs");
    let sql = "SELECT json_agg(t ORDER BY audit_id)::text FROM audit_logs t";
    let export: String = client.query_one(sql, &[]).expect("the export").get(0);
    let dir = crate::scratch("tables-commands");
    let file = dir.join("audit_logs");
    std::fs::write(&file, export).expect("the export written");
    let table = format!("{address}?table=audit_logs");
    let file = crate::arg(&file).to_string();
    for command in [
        vec!["check"],
        vec![
            "state",
            "--stream",
            "purchase_orders:1042",
            "--at",
            "2026-01-09T12:00:00Z",
        ],
        vec![
            "history",
            "--stream",
            "purchase_orders:1042",
            "--version",
            "20",
        ],
        vec!["search", "type:INSERT author:user-3@cambium.example"],
    ] {
        let run = |source: &str| {
            let mut args = vec![command[0], source];
            args.extend(&command[1..]);
            crate::chronoscope(&args)
        };
        let (there, here) = (run(&table), run(&file));
        assert_eq!(
            there.status.code(),
            Some(0),
            "{}",
            crate::text(&there.stderr)
        );
        assert_eq!(
            crate::text(&there.stdout),
            crate::text(&here.stdout),
            "{command:?}"
        );
        assert_eq!(
            crate::text(&there.stderr),
            crate::text(&here.stderr),
            "{command:?}"
        );
        assert!(!there.stdout.is_empty());
    }
    let password = format!(
        "{}?table=audit_logs",
        address.replacen("postgres@", "postgres:pw@", 1)
    );
    let refused = crate::chronoscope(&["check", &password]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(crate::text(&refused.stderr).contains("put it in PGPASSWORD or ~/.pgpass"));
}

/// The next answer that comes, whatever request it answers.
fn next_answer(socket: &mut tungstenite::WebSocket<std::net::TcpStream>) -> Envelope<Answer> {
    serde_json::from_str(&next_text(socket)).expect("an answer")
}

#[test]
fn a_followed_table_appends_the_rows_inserted_after_it_caught_up_until_unfollowed() {
    let (address, mut client) = database("follow");
    client.batch_execute(MT_EVENTS).expect("mt_events");
    let server = serve(&[&format!("{address}?table=mt_events")]);
    let mut socket = ready(&server);
    let read = Request::ReadFile {
        label: "mt_events".into(),
        link: "follow=1".into(),
        documents: Vec::new(),
    };
    let text = serde_json::to_string(&Envelope::new(1, read)).expect("json");
    socket.send(Message::text(text)).expect("sent");
    // Notices until it caught up, with every row read then.
    let caught_up = loop {
        let answer = next_answer(&mut socket);
        assert_eq!(answer.id, 1);
        let Answer::Read(read) = answer.body else {
            panic!("{:?}", answer.body)
        };
        assert!(!read.done, "a followed table's read goes on");
        if read.following == Some(Following::CaughtUp) {
            break read.opened.expect("the source");
        }
    };
    assert_eq!(caught_up.n_events, 300);

    // Two events of a new stream, inserted by another client: a notice says they are live.
    client
        .batch_execute(
            "INSERT INTO mt_events (seq_id, id, stream_id, version, data, type, user_name)
             SELECT 300 + g, gen_random_uuid(), '5f2a1b9e-0000-4000-8000-000000000099', g,
                    jsonb_build_object('late', g), 'po_late', 'dana.reyes'
             FROM generate_series(1, 2) AS g",
        )
        .expect("two rows more");
    let live = loop {
        let answer = next_answer(&mut socket);
        let Answer::Read(read) = answer.body else {
            panic!("{:?}", answer.body)
        };
        assert_eq!(read.following, Some(Following::Live));
        let opened = read.opened.expect("the source");
        if opened.n_events == 302 {
            break opened;
        }
    };
    assert_eq!(live.n_streams, 4);
    let moment = Request::Moment {
        link: "stream=5f2a1b9e-0000-4000-8000-000000000099&v=2".into(),
        at: None,
    };
    let Answer::Moment(moment) = ask(&mut socket, 2, moment) else {
        panic!("a moment")
    };
    assert_eq!(moment.state, serde_json::json!({"late": 2}));

    // Unfollowed: the read's last answer, then the answer to `unfollow`, the same source.
    let text = serde_json::to_string(&Envelope::new(3, Request::Unfollow)).expect("json");
    socket.send(Message::text(text)).expect("sent");
    let last = next_answer(&mut socket);
    let Answer::Read(read) = last.body else {
        panic!("{:?}", last.body)
    };
    assert_eq!((last.id, read.done), (1, true));
    assert_eq!(read.opened.expect("the source").n_events, 302);
    let unfollowed = next_answer(&mut socket);
    assert_eq!(unfollowed.id, 3);
    assert!(
        matches!(unfollowed.body, Answer::Opened(_)),
        "{:?}",
        unfollowed.body
    );
}
