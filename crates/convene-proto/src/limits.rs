//! The limits of what people may type, in one place: the server's validation, the OpenAPI document
//! (the schemas' `maxLength`) and the UI (generated constants, see convene-client's `typescript`)
//! all read them from here.

/// RFC 5321 path limit (256) less the angle brackets.
pub const MAX_EMAIL: usize = 254;
/// Longest display name (people, crews), in characters.
pub const MAX_NAME: usize = 100;
/// Longest conversation subject, in characters.
pub const MAX_SUBJECT: usize = 200;
/// Longest message, in characters.
pub const MAX_MESSAGE: usize = 10_000;
/// Shortest password accepted for an agent.
pub const MIN_PASSWORD: usize = 8;
/// Longest password looked at.
pub const MAX_PASSWORD: usize = 1024;

/// The limits as the UI's generated `LIMITS` constant (name, value).
pub const ALL: &[(&str, usize)] = &[
    ("email", MAX_EMAIL),
    ("name", MAX_NAME),
    ("subject", MAX_SUBJECT),
    ("message", MAX_MESSAGE),
    ("min_password", MIN_PASSWORD),
    ("password", MAX_PASSWORD),
];
