//! Do not disturb: the user holds back native notifications for a while (an hour, until
//! tomorrow) or until they switch it off. Everything still arrives and shows in the window and
//! the badge; only the banners wait. Kept per device, in the cache.

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::client::Client;
use crate::error::ClientError;

const KEY: &str = "do_not_disturb_until";

/// The longest Do not disturb one can ask for at once.
pub const MAX_QUIET: Duration = Duration::days(7);

impl Client {
    /// Holds notifications back until `until` (`None`: notifications on again). A moment past,
    /// or more than [`MAX_QUIET`] ahead, is refused, naming the problem.
    pub fn set_do_not_disturb(&self, until: Option<OffsetDateTime>) -> Result<(), ClientError> {
        let invalid = |message: &str| ClientError::Invalid {
            field: "until".to_owned(),
            message: message.to_owned(),
        };
        let value = match until {
            None => None,
            Some(t) => {
                let now = OffsetDateTime::now_utc();
                if t <= now {
                    return Err(invalid("Do not disturb must end in the future"));
                }
                if t - now > MAX_QUIET {
                    return Err(invalid("Do not disturb can last a week at most"));
                }
                Some(
                    t.format(&Rfc3339)
                        .map_err(|e| ClientError::Corrupt(e.to_string()))?,
                )
            }
        };
        self.cache().set_pref(KEY, value.as_deref())
    }

    /// Until when notifications are held back, if they are now.
    pub fn do_not_disturb(&self) -> Result<Option<OffsetDateTime>, ClientError> {
        let stored = self.cache().pref(KEY)?;
        Ok(stored
            .and_then(|v| OffsetDateTime::parse(&v, &Rfc3339).ok())
            .filter(|until| *until > OffsetDateTime::now_utc()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn do_not_disturb_holds_until_its_end_and_refuses_a_past_or_far_end() {
        let dir = tempfile::tempdir().expect("tempdir");
        let client = Client::open(dir.path()).expect("open");
        assert_eq!(client.do_not_disturb().expect("read"), None);
        let hour = OffsetDateTime::now_utc() + Duration::hours(1);
        client.set_do_not_disturb(Some(hour)).expect("set");
        let until = client.do_not_disturb().expect("read").expect("on");
        assert!((until - hour).abs() < Duration::seconds(1));
        // Kept across restarts.
        drop(client);
        let client = Client::open(dir.path()).expect("reopen");
        assert!(client.do_not_disturb().expect("read").is_some());
        let past = OffsetDateTime::now_utc() - Duration::minutes(1);
        assert!(matches!(
            client.set_do_not_disturb(Some(past)),
            Err(ClientError::Invalid { .. })
        ));
        assert!(client
            .set_do_not_disturb(Some(OffsetDateTime::now_utc() + Duration::days(8)))
            .is_err());
        client.set_do_not_disturb(None).expect("off");
        assert_eq!(client.do_not_disturb().expect("read"), None);
    }
}
