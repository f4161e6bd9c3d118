//! Dataset status (DBS access type) that keeps values it does not know.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// DBS `dataset_access_type`, or `NONE` when DBS does not know the dataset (U27).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DatasetStatus {
    /// `VALID`: done and announced.
    Valid,
    /// `PRODUCTION`: still being produced.
    Production,
    /// `INVALID`.
    Invalid,
    /// `DELETED`.
    Deleted,
    /// `DEPRECATED`.
    Deprecated,
    /// `NONE`: not (yet) in DBS.
    None,
    /// Any other spelling, kept verbatim.
    Other(String),
}

impl DatasetStatus {
    /// The stored spelling.
    pub fn as_str(&self) -> &str {
        match self {
            DatasetStatus::Valid => "VALID",
            DatasetStatus::Production => "PRODUCTION",
            DatasetStatus::Invalid => "INVALID",
            DatasetStatus::Deleted => "DELETED",
            DatasetStatus::Deprecated => "DEPRECATED",
            DatasetStatus::None => "NONE",
            DatasetStatus::Other(s) => s,
        }
    }

    /// Parses the stored spelling (exact, case-sensitive); anything else is `Other`.
    pub fn parse(s: &str) -> Self {
        match s {
            "VALID" => DatasetStatus::Valid,
            "PRODUCTION" => DatasetStatus::Production,
            "INVALID" => DatasetStatus::Invalid,
            "DELETED" => DatasetStatus::Deleted,
            "DEPRECATED" => DatasetStatus::Deprecated,
            "NONE" => DatasetStatus::None,
            other => DatasetStatus::Other(other.to_owned()),
        }
    }

    /// CSS class of the progress bar (D21: from the lower-cased type).
    pub fn css_class(&self) -> String {
        self.as_str().to_lowercase()
    }
}

impl Serialize for DatasetStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DatasetStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(DatasetStatus::parse(&String::deserialize(d)?))
    }
}
