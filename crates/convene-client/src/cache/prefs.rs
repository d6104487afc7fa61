//! This device's preferences, kept in the cache beside what they are about.

use rusqlite::{params, OptionalExtension};

use super::Cache;
use crate::error::ClientError;

impl Cache {
    /// A preference's value, if set.
    pub fn pref(&self, key: &str) -> Result<Option<String>, ClientError> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM prefs WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Sets a preference (`None`: back to its default).
    pub fn set_pref(&self, key: &str, value: Option<&str>) -> Result<(), ClientError> {
        match value {
            Some(v) => self.conn.execute(
                "INSERT INTO prefs (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, v],
            )?,
            None => self
                .conn
                .execute("DELETE FROM prefs WHERE key = ?1", params![key])?,
        };
        Ok(())
    }
}
