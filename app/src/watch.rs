//! Watch lists: a filter saved under a name by a signed-in user, the conditions among its
//! workflows that notify, and where the notification goes (a webhook, an e-mail address).
//! Everything here is checked once, where a watch enters (`watch_save`); the server's
//! delivery trusts it, but still asks the operator's allow-lists (hosts, mail domains).

use serde::{Deserialize, Serialize};

use crate::filter::{Filter, RequestStatus};

/// Longest watch name, in characters.
pub const MAX_NAME: usize = 100;
/// Conditions one watch may list.
pub const MAX_CONDITIONS: usize = 16;
/// Watches one user may keep.
pub const MAX_PER_USER: usize = 100;
/// Longest webhook URL or e-mail address.
pub const MAX_TARGET: usize = 2048;

/// What a watch notifies about, written `status:<S>`, `stuck`, `stalled`, `dataset_invalid`
/// or `completion:<P>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Condition {
    /// A workflow reaches this status.
    Status(RequestStatus),
    /// A workflow has been in its status past the stuck alert's threshold for it.
    Stuck,
    /// A workflow became stalled.
    Stalled,
    /// An output dataset turned INVALID or DELETED.
    DatasetInvalid,
    /// A workflow's completion reached this percentage (1 to 100).
    Completion(u8),
}

impl Condition {
    /// Parses the written form.
    pub fn parse(text: &str) -> Result<Condition, String> {
        let text = text.trim();
        match text {
            "stuck" => return Ok(Condition::Stuck),
            "stalled" => return Ok(Condition::Stalled),
            "dataset_invalid" => return Ok(Condition::DatasetInvalid),
            _ => {}
        }
        if let Some(s) = text.strip_prefix("status:") {
            return RequestStatus::parse(s).map(Condition::Status).ok_or_else(|| format!("{s:?} is not a status"));
        }
        if let Some(p) = text.strip_prefix("completion:") {
            return match p.trim_end_matches('%').parse::<u8>() {
                Ok(p) if (1..=100).contains(&p) => Ok(Condition::Completion(p)),
                _ => Err(format!("completion must be 1 to 100 percent, not {p:?}")),
            };
        }
        Err(format!("{text:?} is not a condition: status:<S>, stuck, stalled, dataset_invalid or completion:<P>"))
    }

    /// The written form.
    pub fn text(self) -> String {
        match self {
            Condition::Status(s) => format!("status:{s}"),
            Condition::Stuck => "stuck".into(),
            Condition::Stalled => "stalled".into(),
            Condition::DatasetInvalid => "dataset_invalid".into(),
            Condition::Completion(p) => format!("completion:{p}"),
        }
    }
}

impl TryFrom<String> for Condition {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Condition::parse(&text)
    }
}

impl From<Condition> for String {
    fn from(c: Condition) -> String {
        c.text()
    }
}

/// What a user asks to watch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatchSpec {
    /// The user's name for it.
    pub name: String,
    /// The workflows watched.
    pub filter: Filter,
    /// The conditions that notify.
    pub on: Vec<Condition>,
    /// A webhook URL (JSON POST with a Mattermost/Slack `text`).
    pub webhook: Option<String>,
    /// An e-mail address.
    pub email: Option<String>,
}

impl WatchSpec {
    /// The checks every way in shares: a name, at least one condition, at least one target,
    /// and targets that look like what they claim to be (the server's allow-lists come later).
    pub fn check(&self) -> Result<(), String> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME || name.contains(char::is_control) {
            return Err(format!("a watch needs a name of 1 to {MAX_NAME} characters"));
        }
        self.filter.validate().map_err(|e| e.to_string())?;
        if self.on.is_empty() || self.on.len() > MAX_CONDITIONS {
            return Err(format!("a watch needs 1 to {MAX_CONDITIONS} conditions"));
        }
        if self.webhook.is_none() && self.email.is_none() {
            return Err("a watch needs a webhook or an e-mail address to notify".into());
        }
        if let Some(url) = &self.webhook {
            webhook_host(url)?;
        }
        if let Some(address) = &self.email {
            mail_domain(address)?;
        }
        Ok(())
    }
}

fn plain(text: &str, what: &str) -> Result<(), String> {
    if text.is_empty() || text.len() > MAX_TARGET || text.contains(|c: char| c.is_control() || c.is_whitespace()) {
        return Err(format!("{what} must be 1 to {MAX_TARGET} characters without spaces"));
    }
    Ok(())
}

/// The `host` or `host:port` of an `http(s)://` webhook URL, lower-cased: what the operator's
/// allow-list names.
pub fn webhook_host(url: &str) -> Result<String, String> {
    plain(url, "a webhook URL")?;
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("a webhook must be an http:// or https:// URL, not {url:?}"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err(format!("a webhook URL names a host (without user or password), not {url:?}"));
    }
    Ok(authority.to_ascii_lowercase())
}

/// The domain of an e-mail address, lower-cased (one `@`, something on each side).
pub fn mail_domain(address: &str) -> Result<String, String> {
    plain(address, "an e-mail address")?;
    match address.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && !address.contains(['<', '>', ',', ';', '"']) =>
        {
            Ok(domain.to_ascii_lowercase())
        }
        _ => Err(format!("{address:?} is not an e-mail address")),
    }
}

/// A saved watch, as its owner (or an admin) sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Watch {
    /// Its id (derived from the owner and the name: saving the same name again replaces it).
    pub id: String,
    /// Who saved it ("token" for the admin token).
    pub owner: String,
    /// What it watches and where it notifies.
    #[serde(flatten)]
    pub spec: WatchSpec,
    /// When it was saved (Unix seconds); only changes from then on notify.
    pub created: i64,
    /// Its latest notifications, newest first.
    pub recent: Vec<Sent>,
}

/// One notification of a watch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sent {
    /// When it was recorded.
    pub time: i64,
    /// The workflow it is about.
    pub workflow: String,
    /// The condition met.
    pub condition: Condition,
    /// `pending`, `sent` or `failed` (still retried).
    pub state: String,
    /// Why the last attempt failed.
    pub error: Option<String>,
}

/// The answer of `watch_save`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchId {
    /// The saved watch's id.
    pub id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_round_trip_and_refuse_the_unknown() {
        for text in ["status:completed", "stuck", "stalled", "dataset_invalid", "completion:90"] {
            assert_eq!(Condition::parse(text).unwrap().text(), text);
        }
        assert_eq!(Condition::parse("completion:95%"), Ok(Condition::Completion(95)));
        for bad in ["status:done", "completion:0", "completion:101", "stalled!", ""] {
            assert!(Condition::parse(bad).is_err(), "{bad}");
        }
        let json = serde_json::to_string(&vec![Condition::Stalled, Condition::Completion(50)]).unwrap();
        assert_eq!(json, r#"["stalled","completion:50"]"#);
        assert!(serde_json::from_str::<Vec<Condition>>(r#"["nope"]"#).is_err());
    }

    #[test]
    fn targets_are_checked() {
        assert_eq!(webhook_host("https://Chat.cern.ch/hooks/abc").unwrap(), "chat.cern.ch");
        assert_eq!(webhook_host("http://127.0.0.1:9000").unwrap(), "127.0.0.1:9000");
        for bad in ["ftp://x/", "https://user:pw@x/", "https:///x", "https://a b/", "javascript:alert(1)"] {
            assert!(webhook_host(bad).is_err(), "{bad}");
        }
        assert_eq!(mail_domain("Ana@CERN.ch").unwrap(), "cern.ch");
        for bad in ["ana", "ana@", "@cern.ch", "a@b@c.ch", "a@localhost", "a@b.ch,c@d.ch", "a\n@b.ch"] {
            assert!(mail_domain(bad).is_err(), "{bad}");
        }
        let spec = WatchSpec {
            name: "mine".into(),
            filter: Filter::default(),
            on: vec![Condition::Stalled],
            webhook: None,
            email: None,
        };
        assert!(spec.check().unwrap_err().contains("webhook or an e-mail"));
        assert!(WatchSpec { email: Some("a@b.ch".into()), ..spec.clone() }.check().is_ok());
        assert!(WatchSpec { name: " ".into(), email: Some("a@b.ch".into()), ..spec.clone() }.check().is_err());
        assert!(WatchSpec { on: vec![], email: Some("a@b.ch".into()), ..spec }.check().is_err());
    }
}
