//! Validated workflow names: what may enter from a URL or a form (X1, X2).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Longest ReqMgr2 request name (WMCore Lexicon `requestName`: `[a-zA-Z0-9.\-_]{1,150}`).
pub const MAX_NAME_LEN: usize = 150;

/// A string that can be a ReqMgr2 request name: 1 to 150 of `A–Z a–z 0–9 . - _`, not starting
/// with '_' (those are CouchDB endpoints such as `_all_docs`) and not only dots.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WorkflowName(String);

/// Why a string is not a workflow name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a workflow name: {0}")]
pub struct NameError(pub &'static str);

impl WorkflowName {
    /// Validates `s`.
    pub fn parse(s: &str) -> Result<Self, NameError> {
        if s.is_empty() || s.len() > MAX_NAME_LEN {
            return Err(NameError("length must be 1 to 150"));
        }
        if !s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')) {
            return Err(NameError("only letters, digits, '.', '-' and '_' are allowed"));
        }
        if s.starts_with('_') {
            return Err(NameError("must not start with '_'"));
        }
        if s.bytes().all(|b| b == b'.') {
            return Err(NameError("must not be only dots"));
        }
        Ok(WorkflowName(s.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for WorkflowName {
    type Error = NameError;
    fn try_from(s: String) -> Result<Self, NameError> {
        WorkflowName::parse(&s)
    }
}

impl From<WorkflowName> for String {
    fn from(n: WorkflowName) -> String {
        n.0
    }
}

impl fmt::Display for WorkflowName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_names_pass_and_endpoints_and_paths_do_not() {
        assert!(
            WorkflowName::parse("pdmvserv_task_HIG-RunIISummer20UL17wmLHEGEN-00123__v1_T_230101_120000_1234").is_ok()
        );
        assert!(WorkflowName::parse("cmsunified_ACDC0_Run2022C.v1_230101_000000_0001").is_ok());
        for bad in [
            "",
            "_all_docs",
            "_changes",
            "_security",
            "../x",
            ".",
            "..",
            "a/b",
            "a b",
            "é",
            "a\"b",
            "a#b",
            "a&b",
            "a+b",
        ] {
            assert!(WorkflowName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(WorkflowName::parse(&"a".repeat(150)).is_ok());
        assert!(WorkflowName::parse(&"a".repeat(151)).is_err());
        assert!(WorkflowName::parse(&"a".repeat(10_240)).is_err());
    }
}
