//! Checks of what people type that both halves make: the desktop core before it queues an action
//! (so a typo is named next to its field at once, not refused by the server later from the outbox),
//! and the server again at the edge (`convene-server`'s `validate`, which adds what only it can
//! check, such as the mail library's parser).

use crate::limits::MAX_EMAIL;

/// RFC 5321: at most 64 octets before the `@`.
const MAX_LOCAL_PART: usize = 64;
/// RFC 5321: at most 255 octets for the domain.
const MAX_DOMAIN: usize = 255;

/// What is wrong with a typed email address; reads after the field's name ("email must not be empty").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {MAX_EMAIL} characters")]
    TooLong,
    #[error("must be an email address like name@example.com")]
    NotAnAddress,
    #[error("must have at most {MAX_LOCAL_PART} characters before the @")]
    LocalPartTooLong,
    #[error("must have at most {MAX_DOMAIN} characters after the @")]
    DomainTooLong,
    #[error("contains characters that are not allowed in an email address")]
    BadCharacters,
    #[error("has a malformed domain")]
    BadDomain,
}

/// Trims and lower-cases an email address after checking its shape and RFC 5321 lengths.
pub fn email(raw: &str) -> Result<String, EmailError> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err(EmailError::Empty);
    }
    if email.len() > MAX_EMAIL {
        return Err(EmailError::TooLong);
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(EmailError::NotAnAddress);
    };
    if local.is_empty() || domain.is_empty() || !domain.contains('.') {
        return Err(EmailError::NotAnAddress);
    }
    if local.len() > MAX_LOCAL_PART {
        return Err(EmailError::LocalPartTooLong);
    }
    if domain.len() > MAX_DOMAIN {
        return Err(EmailError::DomainTooLong);
    }
    let allowed = |c: char| {
        c.is_ascii_graphic()
            && !matches!(
                c,
                '<' | '>' | '(' | ')' | ',' | ';' | ':' | '\\' | '"' | '[' | ']'
            )
    };
    if !email.chars().all(allowed) || local.contains('@') {
        return Err(EmailError::BadCharacters);
    }
    if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
        return Err(EmailError::BadDomain);
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
        return Err(EmailError::BadDomain);
    }
    Ok(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_trimmed_and_lower_cased() {
        assert_eq!(
            email("  Maria@Example.COM "),
            Ok("maria@example.com".into())
        );
    }

    #[test]
    fn each_wrong_shape_is_named() {
        assert_eq!(email(" "), Err(EmailError::Empty));
        assert_eq!(email("maria"), Err(EmailError::NotAnAddress));
        assert_eq!(email("maria@localhost"), Err(EmailError::NotAnAddress));
        assert_eq!(email("smith, john@x.com"), Err(EmailError::BadCharacters));
        assert_eq!(email("a@-x.com"), Err(EmailError::BadDomain));
        assert_eq!(email("a@x..com"), Err(EmailError::BadDomain));
        assert_eq!(
            email(&format!("{}@x.com", "a".repeat(65))),
            Err(EmailError::LocalPartTooLong)
        );
        assert_eq!(
            email(&format!("a@{}.com", "b".repeat(260))),
            Err(EmailError::TooLong)
        );
    }
}
