//! Where sources live: their addresses, made absolute against the page, and the credentials
//! that may be sent to them.
//!
//! A source is named by a URL that may be relative (`demo/events.ndjson`), scheme-relative
//! (`//host/x`) or written with backslashes, which browsers read as slashes. The `url` crate
//! parses all of these exactly as the browser will (it implements the WHATWG URL standard), so
//! the checks here see the same user name, password and origin the request would use: a check
//! made on the text alone is bypassed by `//user:pass@host` or `http:\\user:pass@host`.
//!
//! A credential is typed for one origin and is only ever sent to that origin: a feed whose links
//! lead to another server, or a URL typed later for another server, never receives it.

pub use chronoscope_protocol::{Credential, Keys, Secret, Secrets};
use url::Url;

/// Why a source address cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("{address} is not a URL: {reason}")]
    NotAUrl { address: String, reason: String },
    #[error("{param} carries a user name or password; credentials are never put in a link")]
    CarriesCredentials { param: &'static str },
    #[error("{address} is not read: sources are fetched over http or https{hint}")]
    Scheme { address: String, hint: &'static str },
}

/// A source address made absolute against the page it is used from. Only `http` and `https`
/// are sources: a `javascript:`, `data:` or `file:` address is refused with its reason, rather
/// than left for the browser to refuse as if the network had failed.
pub fn resolve(address: &str, base: &str) -> Result<Url, AddressError> {
    let not_a_url = |reason: url::ParseError| AddressError::NotAUrl {
        address: address.to_string(),
        reason: reason.to_string(),
    };
    let base = Url::parse(base).map_err(not_a_url)?;
    let url = base.join(address).map_err(not_a_url)?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        scheme => Err(AddressError::Scheme {
            address: format!("a {scheme}: address"),
            hint: match scheme {
                "data" => "; paste the text instead",
                "file" => "; open the file instead",
                _ => "",
            },
        }),
    }
}

/// Refuses an address a link names in `param` (`src`, `proj`, `map`) that carries a user name
/// or password, read as the browser reads it (relative to any page: the user and password do
/// not depend on which).
pub fn check_no_credentials(param: &'static str, address: &str) -> Result<(), AddressError> {
    const ANY_PAGE: &str = "http://page.invalid/";
    match resolve(address, ANY_PAGE) {
        Ok(url) if !url.username().is_empty() || url.password().is_some() => {
            Err(AddressError::CarriesCredentials { param })
        }
        _ => Ok(()),
    }
}

/// The origins other than the page's that a link would fetch from on opening: those of its
/// source (`src=`) and of its mapping and projection where they are addresses (`map=`,
/// `proj=`), each once, in the order the link names them. A person is asked before any of
/// them is fetched, unless `config.json` lists it.
pub fn foreign_origins(addresses: &[&str], page: &str) -> Vec<String> {
    let Ok(page_url) = Url::parse(page) else {
        return Vec::new();
    };
    let own = page_url.origin();
    let mut foreign: Vec<String> = Vec::new();
    for address in addresses {
        let Ok(url) = resolve(address, page) else {
            continue;
        };
        let origin = url.origin();
        let serialized = origin.ascii_serialization();
        if origin != own && !foreign.contains(&serialized) {
            foreign.push(serialized);
        }
    }
    foreign
}

/// Asks KurrentDB for event bodies: `embed=body`, unless the URL already says how to embed.
pub fn with_embed(url: &Url) -> Url {
    if url.query_pairs().any(|(key, _)| key == "embed") {
        return url.clone();
    }
    let mut url = url.clone();
    url.query_pairs_mut().append_pair("embed", "body");
    url
}

/// A credential for the origin of `url`.
pub fn credential_for(secret: Secret, url: &Url) -> Credential {
    Credential {
        secret,
        origin: Some(url.origin().ascii_serialization()),
    }
}

/// The `Authorization` header of `credential` for a request to `url`: only when `url` has the
/// credential's own origin.
pub fn header_for(credential: &Credential, url: &Url) -> Option<String> {
    let origin = credential.origin.as_deref()?;
    (url.origin().ascii_serialization() == origin)
        .then(|| header(&credential.secret))
        .flatten()
}

fn header(secret: &Secret) -> Option<String> {
    use base64::Engine;
    match secret {
        Secret::None => None,
        Secret::Basic { user, password } => Some(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        )),
        Secret::Bearer { token } => Some(format!("Bearer {}", token.trim())),
    }
}

/// Headers a host page asked to send with its source (`core::embed`'s `load`), for the origin
/// of that source (`url`) only; kept in memory, never in a link.
pub fn host_headers(url: &Url, headers: Vec<(String, String)>) -> Secrets {
    Secrets {
        origin: url.origin().ascii_serialization(),
        headers,
    }
}

/// The headers a request to `url` may carry, as the engine's side sends them: the credential as
/// `Authorization` where it was typed for `url`'s origin, and a host page's headers where they
/// are for it. Nothing for any other origin.
pub fn secrets_for(keys: &Keys, url: &Url) -> Secrets {
    let mut headers: Vec<(String, String)> = header_for(&keys.credential, url)
        .map(|header| ("Authorization".to_string(), header))
        .into_iter()
        .collect();
    if let Some(host) = &keys.host {
        headers.extend(secrets_to(host, url).iter().cloned());
    }
    Secrets {
        origin: match headers.is_empty() {
            true => String::new(),
            false => url.origin().ascii_serialization(),
        },
        headers,
    }
}

/// The headers of `secrets` that a request to `url` carries: all of them when `url` has their
/// origin, else none (a feed's page on another host, say).
pub fn secrets_to<'a>(secrets: &'a Secrets, url: &Url) -> &'a [(String, String)] {
    match !secrets.origin.is_empty() && url.origin().ascii_serialization() == secrets.origin {
        true => &secrets.headers,
        false => &[],
    }
}
