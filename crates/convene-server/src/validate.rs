//! Validation of user input at the edge. Each check names the field it is about, so the problem
//! document can say exactly what is wrong.

use crate::error::Error;

/// RFC 5321: at most 64 octets before the `@`.
const MAX_LOCAL_PART: usize = 64;
/// RFC 5321: at most 255 octets for the domain.
const MAX_DOMAIN: usize = 255;
pub use convene_proto::limits::{MAX_EMAIL, MAX_NAME, MAX_PASSWORD, MAX_SUBJECT, MIN_PASSWORD};

/// Trims and lower-cases an email address after checking its shape and RFC 5321 lengths.
pub fn email(field: &str, raw: &str) -> Result<String, Error> {
    let email = raw.trim().to_lowercase();
    let bad = |why: &str| Error::invalid(field, format!("{field} {why}"));
    if email.is_empty() {
        return Err(bad("must not be empty"));
    }
    if email.len() > MAX_EMAIL {
        return Err(bad(&format!("must be at most {MAX_EMAIL} characters")));
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(bad("must be an email address like name@example.com"));
    };
    if local.is_empty() || domain.is_empty() || !domain.contains('.') {
        return Err(bad("must be an email address like name@example.com"));
    }
    if local.len() > MAX_LOCAL_PART {
        return Err(bad(&format!(
            "must have at most {MAX_LOCAL_PART} characters before the @"
        )));
    }
    if domain.len() > MAX_DOMAIN {
        return Err(bad(&format!(
            "must have at most {MAX_DOMAIN} characters after the @"
        )));
    }
    let allowed = |c: char| {
        c.is_ascii_graphic()
            && !matches!(
                c,
                '<' | '>' | '(' | ')' | ',' | ';' | ':' | '\\' | '"' | '[' | ']'
            )
    };
    if !email.chars().all(allowed) || local.contains('@') {
        return Err(bad(
            "contains characters that are not allowed in an email address",
        ));
    }
    if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
        return Err(bad("has a malformed domain"));
    }
    // Each part of the domain: letters, digits and inner hyphens (what mail relays route to).
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if !domain.split('.').all(label_ok) {
        return Err(bad("has a malformed domain"));
    }
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
