//! What every write to a record shares (RECORDS.md, "Writes to records"): field errors and
//! warnings that point into the request body, a saved record with its warnings, the record an
//! audit entry is about, and the `record.changed` event.

use serde::{Deserialize, Serialize};

use crate::text::{Clean, line, text};

/// One field's error (in a 422 `validation_failed`) or warning (in a 200's `warnings`).
/// `field` is a JSON pointer into the request body (`/contact/email`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub detail: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str, detail: impl Into<String>) -> Self {
        FieldError {
            field: field.to_string(),
            code: code.to_string(),
            detail: detail.into(),
        }
    }
}

impl Clean for FieldError {
    fn clean(self) -> Self {
        FieldError {
            field: line(self.field),
            code: line(self.code),
            detail: text(self.detail),
        }
    }
}

/// A record as a write answers it: the record's own fields, plus the `warnings` that did not
/// block the save (empty when there are none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Saved<T> {
    #[serde(flatten)]
    pub record: T,
    #[serde(default)]
    pub warnings: Vec<FieldError>,
}

impl<T: Clean> Clean for Saved<T> {
    fn clean(self) -> Self {
        Saved {
            record: self.record.clean(),
            warnings: self.warnings.clean(),
        }
    }
}

/// The kinds of record that `record.changed` and audit subjects name.
pub const RECORD_PARTNER: &str = "partner";
pub const RECORD_VOUCHER_BATCH: &str = "voucher_batch";
/// A partner's lead-exchange settings (RECORDS.md §4): the id is the partner's.
pub const RECORD_LEAD_SETTINGS: &str = "lead_settings";

/// A record by kind and id, with its name when the entry was written (names change; ids do
/// not): an audit entry's `subject_ref`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordRef {
    pub kind: String,
    pub id: String,
    pub name: String,
}

impl Clean for RecordRef {
    fn clean(self) -> Self {
        RecordRef {
            kind: line(self.kind),
            id: line(self.id),
            name: line(self.name),
        }
    }
}

/// `data` of `record.changed`: someone changed this record; it is now at `version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordChanged {
    pub kind: String,
    pub id: String,
    pub version: i64,
}

impl Clean for RecordChanged {
    fn clean(self) -> Self {
        RecordChanged {
            kind: line(self.kind),
            id: line(self.id),
            version: self.version,
        }
    }
}
