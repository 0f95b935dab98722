//! A PostgreSQL table as a source of `chronoscope serve`: an audit or event table read where it
//! lives (`postgres://user@host:port/db?table=audit_logs`), each row as the JSON object
//! PostgreSQL writes for it (`row_to_json`), so that the engine reads it exactly as it reads a
//! `json_agg` export of the same table: the same shape detection, mappings and problems.
//!
//! Rows are read in keyset pages ordered by the table's key (its one-column primary key, or
//! `key=`), never with `OFFSET`, so that each page costs the same however deep it is. The
//! password comes from `PGPASSWORD` or the password file (`PGPASSFILE`, else `~/.pgpass`),
//! never from the command line, where other users of the machine could read it.

use std::fmt;
use std::path::PathBuf;

use postgres::{Client, Config, NoTls};

/// How many rows one page reads.
const PAGE_ROWS: i64 = 10_000;

/// Why a table cannot be read.
#[derive(Debug)]
pub enum TableError {
    /// The address is not a PostgreSQL URL with `table=`.
    Address { given: String, why: String },
    /// The server refused or failed a query.
    Server(postgres::Error),
    /// The table has no key to read it in pages by.
    NoKey,
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableError::Address { given, why } => write!(f, "{given}: {why}"),
            // The table is the place of the problem these become: the words do not repeat it.
            TableError::Server(error) => match error.as_db_error() {
                Some(db) => write!(f, "PostgreSQL: {}", db.message()),
                None => write!(f, "PostgreSQL: {error}"),
            },
            TableError::NoKey => f.write_str(
                "the table has no one-column primary key; name the column to read it in order \
                 by with key=",
            ),
        }
    }
}

/// A table named by a `postgres://` address.
#[derive(Clone, Debug)]
pub struct TableSource {
    /// The table as given (`audit_logs`, `audit.logged_actions`): the source's label.
    pub table: String,
    key: Option<String>,
    config: Config,
}

impl TableSource {
    /// The table a `postgres://` (or `postgresql://`) address names; `None` for any other
    /// argument, which is a file.
    pub fn parse(given: &str) -> Option<Result<TableSource, TableError>> {
        let lower = given.to_ascii_lowercase();
        let is_table = lower.starts_with("postgres://") || lower.starts_with("postgresql://");
        is_table.then(|| TableSource::parse_address(given))
    }

    fn parse_address(given: &str) -> Result<TableSource, TableError> {
        let refused = |why: &str| TableError::Address {
            given: without_password(given),
            why: why.to_string(),
        };
        let mut url = url::Url::parse(given).map_err(|err| refused(&err.to_string()))?;
        if url.password().is_some() {
            return Err(refused(
                "a password on the command line can be read by anyone on this machine: put it \
                 in PGPASSWORD or ~/.pgpass",
            ));
        }
        let (mut table, mut key, mut rest) = (None, None, Vec::new());
        for (name, value) in url.query_pairs() {
            match name.as_ref() {
                "table" => table = Some(value.into_owned()),
                "key" => key = Some(value.into_owned()),
                _ => rest.push((name.into_owned(), value.into_owned())),
            }
        }
        let table = table.ok_or_else(|| refused("name the table with ?table="))?;
        url.query_pairs_mut().clear().extend_pairs(rest);
        let address = url.as_str().trim_end_matches('?');
        let mut config: Config = address
            .parse()
            .map_err(|err: postgres::Error| refused(&format!("not a PostgreSQL address: {err}")))?;
        if let Some(password) = password_for(&config) {
            config.password(password);
        }
        Ok(TableSource { table, key, config })
    }

    /// Connects, finds the table and its key, and gives what reads it a page at a time.
    pub fn open(&self) -> Result<TableReader, TableError> {
        let failed = TableError::Server;
        let mut client = self.config.connect(NoTls).map_err(failed)?;
        // The server quotes the names it is given, so that no name is ever pasted into SQL.
        let row = client
            .query_one("SELECT $1::text::regclass::text", &[&self.table])
            .map_err(failed)?;
        let table: String = row.get(0);
        let key = match &self.key {
            Some(key) => key.clone(),
            None => primary_key(&mut client, &self.table)
                .map_err(failed)?
                .ok_or(TableError::NoKey)?,
        };
        let row = client
            .query_one(
                "SELECT quote_ident($2), format_type(atttypid, atttypmod) FROM pg_attribute \
                 WHERE attrelid = $1::text::regclass AND attname = $2 AND NOT attisdropped",
                &[&self.table, &key],
            )
            .map_err(failed)?;
        let (key, key_type): (String, String) = (row.get(0), row.get(1));
        let select = format!("SELECT row_to_json(t)::text, t.{key}::text FROM {table} t");
        Ok(TableReader {
            client,
            first: format!("{select} ORDER BY t.{key} LIMIT {PAGE_ROWS}"),
            next: format!(
                "{select} WHERE t.{key} > $1::text::{key_type} ORDER BY t.{key} LIMIT {PAGE_ROWS}"
            ),
            last: None,
        })
    }
}

/// The one column of the table's primary key, if it has one of one column.
fn primary_key(client: &mut Client, table: &str) -> Result<Option<String>, postgres::Error> {
    let rows = client.query(
        "SELECT a.attname::text FROM pg_index i JOIN pg_attribute a \
         ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
         WHERE i.indrelid = $1::text::regclass AND i.indisprimary",
        &[&table],
    )?;
    Ok(match rows.as_slice() {
        [row] => Some(row.get(0)),
        _ => None,
    })
}

/// Reads a table's rows in keyset pages.
pub struct TableReader {
    client: Client,
    first: String,
    next: String,
    /// The key of the last row read, as text.
    last: Option<String>,
}

impl TableReader {
    /// The next page of rows after the last one read, a JSON object a line; `None` when there
    /// is none (yet: a followed table is asked again).
    pub fn next_page(&mut self) -> Result<Option<Vec<u8>>, TableError> {
        let rows = match &self.last {
            None => self.client.query(self.first.as_str(), &[]),
            Some(last) => self.client.query(self.next.as_str(), &[last]),
        }
        .map_err(TableError::Server)?;
        let mut page = Vec::new();
        for row in &rows {
            let json: String = row.get(0);
            page.extend_from_slice(json.as_bytes());
            page.push(b'\n');
        }
        if let Some(row) = rows.last() {
            self.last = Some(row.get(1));
        }
        Ok((!page.is_empty()).then_some(page))
    }
}

/// The address as it may be shown: without a password.
fn without_password(given: &str) -> String {
    match url::Url::parse(given) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("…"));
            url.to_string()
        }
        _ => given.to_string(),
    }
}

/// The password for the server `config` names: `PGPASSWORD`, else the first line of the
/// password file that matches its host, port, database and user (`*` matches any).
fn password_for(config: &Config) -> Option<String> {
    if let Ok(password) = std::env::var("PGPASSWORD") {
        return Some(password);
    }
    let file = std::env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".pgpass")))?;
    let text = std::fs::read_to_string(file).ok()?;
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(host)) => host.clone(),
        _ => "localhost".to_string(),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let user = config.get_user().unwrap_or_default();
    let database = config.get_dbname().unwrap_or(user);
    let wanted = [host.as_str(), port.as_str(), database, user];
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| pgpass_password(line, &wanted))
}

/// The password of a `.pgpass` line (`host:port:database:user:password`, `\:` and `\\`
/// escaped) when its first four fields match `wanted`. Hand-written: the format is five
/// fields, and no well-kept crate reads it without a client library of its own.
fn pgpass_password(line: &str, wanted: &[&str; 4]) -> Option<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => fields.last_mut()?.extend(chars.next()),
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut()?.push(c),
        }
    }
    let [host, port, database, user, password] = <[String; 5]>::try_from(fields).ok()?;
    let matches = [host, port, database, user]
        .iter()
        .zip(wanted)
        .all(|(field, wanted)| field == "*" || field == wanted);
    matches.then_some(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pgpass_line_matches_by_its_four_fields_with_wildcards_and_escapes() {
        let wanted = ["127.0.0.1", "5432", "cambium", "auditor"];
        let read = |line| pgpass_password(line, &wanted);
        assert_eq!(
            read("127.0.0.1:5432:cambium:auditor:s3cret"),
            Some("s3cret".into())
        );
        assert_eq!(read("*:*:*:auditor:a\\:b\\\\c:d"), Some("a:b\\c:d".into()));
        assert_eq!(read("127.0.0.1:5433:cambium:auditor:other"), None);
        assert_eq!(read("127.0.0.1:5432:cambium"), None);
    }

    #[test]
    fn an_address_needs_a_table_and_never_carries_a_password() {
        let parsed = |given: &str| TableSource::parse(given).map(|r| r.map(|t| t.table));
        assert!(parsed("events.ndjson").is_none());
        let table = parsed("postgres://auditor@127.0.0.1:5432/cambium?table=audit_logs");
        assert_eq!(table.and_then(Result::ok).as_deref(), Some("audit_logs"));
        let why = |given: &str| match parsed(given) {
            Some(Err(err)) => err.to_string(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            why("postgres://auditor@127.0.0.1/cambium"),
            "postgres://auditor@127.0.0.1/cambium: name the table with ?table="
        );
        let said = why("postgresql://auditor:hunter2@127.0.0.1/cambium?table=audit_logs");
        assert!(!said.contains("hunter2"), "{said}");
        assert!(said.contains("put it in PGPASSWORD or ~/.pgpass"), "{said}");
    }
}
