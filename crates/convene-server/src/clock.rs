//! Time as the database stores it (Unix milliseconds) and as the API shows it (RFC 3339).

use time::OffsetDateTime;

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    to_ms(OffsetDateTime::now_utc())
}

/// Milliseconds since the Unix epoch of a moment.
pub fn to_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// The moment a stored millisecond count stands for (clamped to the epoch if out of range).
pub fn from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_round_trip() {
        let ms = 1_764_000_000_123;
        assert_eq!(to_ms(from_ms(ms)), ms);
    }
}
