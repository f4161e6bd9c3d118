//! The design documents `stats2 db init` creates (S9, S13), identical for both stores.

use serde_json::{json, Map, Value};

use super::View;

/// Id of the views' design document.
pub const VIEWS_ID: &str = "_design/_designDoc";
/// Id of the write-validation design document.
pub const VALIDATE_ID: &str = "_design/validate_write";

/// `_design/_designDoc` with the seven map-only views.
pub fn views_doc() -> Value {
    let mut views = Map::new();
    for v in View::ALL {
        views.insert(v.name().to_owned(), json!({ "map": v.map_source() }));
    }
    json!({ "_id": VIEWS_ID, "language": "javascript", "views": views })
}

/// `_design/validate_write`: only `_admin` may write (S13).
pub fn validate_doc() -> Value {
    json!({
        "_id": VALIDATE_ID,
        "validate_doc_update": "function (newDoc, oldDoc, userCtx) { if (userCtx.roles.indexOf('_admin') === -1) throw( { forbidden : 'Only admins can modify the database.'} ); }"
    })
}

/// The design documents each database should hold.
pub fn design_docs_for(db: super::Db) -> Vec<Value> {
    match db {
        super::Db::Requests => vec![views_doc(), validate_doc()],
        super::Db::Settings | super::Db::Stats2 => vec![validate_doc()],
    }
}

/// Whether a stored design document already says what `wanted` says (ignoring `_rev`).
pub fn same_design(stored: &Value, wanted: &Value) -> bool {
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(o) = v.as_object_mut() {
            o.remove("_rev");
        }
        v
    };
    strip(stored) == strip(wanted)
}

/// Creates or updates the design documents of `db` so they say what this version wants.
pub async fn install(
    store: &dyn super::Store,
    db: super::Db,
    report: &mut super::Report,
) -> Result<(), super::StoreError> {
    for wanted in design_docs_for(db) {
        let id = wanted["_id"].as_str().unwrap_or_default().to_owned();
        let stored = store.get(db, &id).await?;
        if stored.as_ref().is_some_and(|s| same_design(s, &wanted)) {
            report.push(format!("{}/{id} is up to date", db.name()));
            continue;
        }
        let mut doc = wanted;
        if let Some(rev) = stored.as_ref().and_then(|s| s.get("_rev")) {
            doc["_rev"] = rev.clone();
        }
        store.put(db, &doc).await?;
        report.push(format!("{} {}/{id}", if stored.is_some() { "updated" } else { "created" }, db.name()));
    }
    Ok(())
}
