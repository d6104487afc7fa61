//! Validation of user input at the edge. Each check names the field it is about, so the problem
//! document can say exactly what is wrong.

use crate::error::Error;

pub use convene_proto::limits::{MAX_EMAIL, MAX_NAME, MAX_PASSWORD, MAX_SUBJECT, MIN_PASSWORD};

/// Trims and lower-cases an email address after checking its shape (the check the clients make
/// too, `convene_proto::input::email`) and that mail can be sent to it.
pub fn email(field: &str, raw: &str) -> Result<String, Error> {
    let email = convene_proto::input::email(raw)
        .map_err(|why| Error::invalid(field, format!("{field} {why}")))?;
    let bad = |why: &str| Error::invalid(field, format!("{field} {why}"));
    // What is accepted here is what the sender can send: the mail library's own parser decides.
    if email.parse::<lettre::Address>().is_err() {
        return Err(bad("is not an address mail can be sent to"));
    }
    Ok(email)
}

/// A required single-line text of at most `max` characters, trimmed.
pub fn text(field: &str, raw: &str, max: usize) -> Result<String, Error> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(Error::invalid(field, format!("{field} must not be empty")));
    }
    if value.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            format!("{field} must be a single line without control characters"),
        ));
    }
    if value.chars().any(is_bidi_control) {
        return Err(Error::invalid(
            field,
            format!("{field} must not contain text-direction control characters"),
        ));
    }
    Ok(value.to_owned())
}

/// Unicode's explicit direction controls (embeddings, overrides, isolates and marks): they can
/// make a name or a link read as something else ("Trojan Source").
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A multi-line text (a message): present, at most `max` characters, no NUL or other control
/// characters except line breaks and tabs, no direction controls.
pub fn body(field: &str, raw: &str, max: usize) -> Result<String, Error> {
    if raw.trim().is_empty() {
        return Err(Error::invalid(field, format!("{field} must not be empty")));
    }
    let len = raw.chars().count();
    if len > max {
        return Err(Error::invalid(
            field,
            format!("{field} must be at most {max} characters (it has {len})"),
        ));
    }
    if raw
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Error::invalid(
            field,
            format!("{field} must not contain control characters such as NUL"),
        ));
    }
    if raw.chars().any(is_bidi_control) {
        return Err(Error::invalid(
            field,
            format!("{field} must not contain text-direction control characters"),
        ));
    }
    Ok(raw.to_owned())
}

/// A new password: long enough, and not absurdly long (argon2 input is bounded).
pub fn password(field: &str, raw: &str) -> Result<String, Error> {
    let n = raw.chars().count();
    if n < MIN_PASSWORD {
        return Err(Error::invalid(
            field,
            format!("{field} must be at least {MIN_PASSWORD} characters"),
        ));
    }
    if n > MAX_PASSWORD {
        return Err(Error::invalid(
            field,
            format!("{field} must be at most {MAX_PASSWORD} characters"),
        ));
    }
    Ok(raw.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            email("email", "  Carol@Example.COM ").ok().as_deref(),
            Some("carol@example.com")
        );
    }

    #[test]
    fn malformed_emails_are_refused_naming_the_field() {
        for bad in [
            "",
            "carol",
            "carol@",
            "@example.com",
            "carol@example",
            "a b@example.com",
            "carol@@example.com",
            "x@example..com",
            "user.@x.com",
            "a@-x.com",
            "a@x-.com",
            ".a@x.com",
        ] {
            let err = email("admin_email", bad).expect_err(bad);
            assert_eq!(err.field(), Some("admin_email"), "{bad}");
        }
    }

    #[test]
    fn emails_over_rfc_5321_limits_are_refused() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert!(email("email", &long_local).is_err());
        let ok_local = format!("{}@example.com", "a".repeat(64));
        assert!(email("email", &ok_local).is_ok());
        let long_total = format!("a@{}.com", "b".repeat(250));
        assert!(email("email", &long_total).is_err());
    }

    #[test]
    fn text_must_be_present_short_and_single_line() {
        assert!(text("subject", "   ", 10).is_err());
        assert!(text("subject", &"x".repeat(11), 10).is_err());
        assert!(text("subject", "a\nb", 10).is_err());
        assert_eq!(text("subject", " Hi ", 10).ok().as_deref(), Some("Hi"));
    }

    #[test]
    fn addresses_with_plus_and_apostrophe_are_fine() {
        assert!(email("email", "o'brien+tag@example.com").is_ok());
    }

    #[test]
    fn nul_and_direction_controls_are_refused() {
        assert!(text("name", "Eve\u{202E}gnp.exe", 100).is_err());
        assert!(body("body", "a\u{0}b", 100).is_err());
        assert!(body("body", "line one\nline two\ttab", 100).is_ok());
        assert!(body("body", "x\u{2066}y", 100).is_err());
    }
}
