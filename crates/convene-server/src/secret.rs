//! The server secret, from which invite and Shareable Link tokens are derived.
//!
//! Link tokens must be shown again (a resend sends the same link; "Copy Shareable Link" works any
//! time), yet the database may hold only their hashes. So a link token is
//! `HMAC-SHA256(secret, purpose ‖ id ‖ nonce)`: the database keeps the random nonce and the token's
//! hash, and only a holder of the secret — kept outside the database — can rebuild the token.
//! Rotating a link changes its nonce, which changes the token.

use std::path::Path;

use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// Environment variable that supplies the secret (needed when several instances share a database).
pub const SECRET_ENV: &str = "CONVENE_SECRET";
const SECRET_FILE: &str = "secret.key";

/// Purpose string of email invite tokens.
pub const INVITE_TOKEN: &str = "invite";
/// Purpose string of Shareable Link tokens.
pub const LINK_TOKEN: &str = "share_link";
/// Purpose string of sign-in link tokens.
pub const LOGIN_TOKEN: &str = "login";
/// Purpose string of password link tokens (a new agent's first password, a reset).
pub const PASSWORD_TOKEN: &str = "password";

/// The server secret.
#[derive(Clone)]
pub struct Secret(std::sync::Arc<[u8]>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// Why the secret could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("{SECRET_ENV} must be at least 32 characters")]
    TooShort,
    #[error("cannot read or create {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

impl Secret {
    /// `CONVENE_SECRET` if set, else `secret.key` in the data folder (created with 256 random bits).
    pub fn load(data_dir: &Path) -> Result<Self, SecretError> {
        if let Ok(value) = std::env::var(SECRET_ENV) {
            if value.len() < 32 {
                return Err(SecretError::TooShort);
            }
            return Ok(Self(value.into_bytes().into()));
        }
        let path = data_dir.join(SECRET_FILE);
        let io = |source| SecretError::Io {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) if text.trim().len() >= 32 => Ok(Self(text.trim().as_bytes().into())),
            _ => {
                let mut bytes = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut bytes);
                let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
                write_private(&path, &text).map_err(io)?;
                Ok(Self(text.into_bytes().into()))
            }
        }
    }

    /// A fixed secret for unit tests.
    pub fn for_tests() -> Self {
        Self(b"test-secret-test-secret-test-secret".as_slice().into())
    }

    /// The token for `purpose`/`id` with this `nonce`.
    pub fn derive(&self, purpose: &str, id: &str, nonce: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC accepts any key length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(id.as_bytes());
        mac.update(&[0]);
        mac.update(nonce.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

/// A fresh random nonce for a link token.
pub fn new_nonce() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_nonce_gives_the_same_token_and_a_new_nonce_another() {
        let s = Secret::for_tests();
        let a = s.derive("invite", "id-1", "n1");
        assert_eq!(a, s.derive("invite", "id-1", "n1"));
        assert_ne!(a, s.derive("invite", "id-1", "n2"));
        assert_ne!(a, s.derive("link", "id-1", "n1"));
        assert!(a.len() >= 43, "256 bits");
    }

    #[test]
    fn a_secret_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = Secret::load(dir.path())
            .expect("create")
            .derive("p", "i", "n");
        let b = Secret::load(dir.path())
            .expect("reuse")
            .derive("p", "i", "n");
        assert_eq!(a, b);
    }
}
