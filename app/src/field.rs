//! A JSON field that distinguishes "absent" from "null" from a value.
//!
//! Stats2 documents are read by other services (McM, pMp, ReReco, RelVal) and written back by
//! us; a key that was absent must stay absent and a `null` must stay `null`, so an
//! `Option<T>` (which folds both into `None`) is not enough.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Tri-state field: absent from the object, explicitly `null`, or a value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Field<T> {
    /// The key is not in the object (serialised by skipping it).
    #[default]
    Absent,
    /// The key is present with the value `null`.
    Null,
    /// The key is present with a value.
    Value(T),
}

impl<T> Field<T> {
    /// True when the key is absent; used by `skip_serializing_if`.
    pub fn is_absent(&self) -> bool {
        matches!(self, Field::Absent)
    }

    /// The value, if there is one.
    pub fn get(&self) -> Option<&T> {
        match self {
            Field::Value(v) => Some(v),
            _ => None,
        }
    }

    /// Builds a field from an optional value; `None` becomes `Absent`.
    pub fn from_option(v: Option<T>) -> Self {
        v.map_or(Field::Absent, Field::Value)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Only called when the key is present (missing keys use `Default`).
        Ok(Option::<T>::deserialize(d)?.map_or(Field::Null, Field::Value))
    }
}

impl<T: Serialize> Serialize for Field<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Value(v) => v.serialize(s),
            // Absent is skipped by the container; serialising it anyway yields null.
            Field::Absent | Field::Null => s.serialize_none(),
        }
    }
}
