//! Credentials: argon2id password hashes and random bearer tokens that are stored only as hashes.
//!
//! Each argon2 hash takes about 19 MiB and a core for tens of milliseconds, so hashing runs behind
//! a small limit ([`verify_bounded`], [`hash_bounded`]): a flood of sign-ins queues for a while and
//! then answers "busy" instead of taking the server's memory.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{self, PasswordHash, SaltString};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Random bytes in every token: 256 bits, twice the minimum the specification asks for.
const TOKEN_BYTES: usize = 32;

/// How long an agent's session lasts without signing in again.
pub const SESSION_DAYS: i64 = 30;

/// How long a password check waits for its turn before the caller is told the server is busy.
pub const HASH_QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The memory argon2 works in (about 19 MiB with the default parameters).
type Memory = Vec<argon2::Block>;

fn memory_for(params: &argon2::Params) -> Memory {
    vec![argon2::Block::default(); params.block_count()]
}

/// The hashing slots: a few permits, and the working memory of each, kept and reused. Allocating
/// 19 MiB a hash left that memory with the allocator's per-thread arenas (a flood of 100 sign-ins
/// took the server to about 400 MB and kept it there); reused buffers keep it at a few times that.
struct Slots {
    permits: tokio::sync::Semaphore,
    memory: std::sync::Mutex<Vec<Memory>>,
}

/// Password hashes that may run at once: one per core, at least two, at most four.
fn slots() -> &'static Slots {
    static SLOTS: std::sync::OnceLock<Slots> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Slots {
            permits: tokio::sync::Semaphore::new(cores.clamp(2, 4)),
            memory: std::sync::Mutex::new(Vec::new()),
        }
    })
}

/// Too many password hashes are queued: try again in a moment.
#[derive(Debug, thiserror::Error)]
#[error("too many passwords are being checked right now; try again in a moment")]
pub struct Overloaded;

/// Runs `work` (a password hash, in the memory it is lent) on a blocking thread once a hashing
/// slot is free, or answers [`Overloaded`] after [`HASH_QUEUE_WAIT`].
async fn bounded<T: Send + 'static>(
    work: impl FnOnce(&mut Memory) -> T + Send + 'static,
) -> Result<T, Overloaded> {
    let slots = slots();
    let permit = tokio::time::timeout(HASH_QUEUE_WAIT, slots.permits.acquire())
        .await
        .map_err(|_| Overloaded)?
        .map_err(|_| Overloaded)?;
    let lent = slots.memory.lock().ok().and_then(|mut m| m.pop());
    let done = tokio::task::spawn_blocking(move || {
        let mut memory = lent.unwrap_or_default();
        let answer = work(&mut memory);
        (answer, memory)
    })
    .await
    .map_err(|_| Overloaded);
    let answer = done.map(|(answer, memory)| {
        if let Ok(mut kept) = slots.memory.lock() {
            kept.push(memory);
        }
        answer
    });
    drop(permit);
    answer
}

/// [`verify_password`] behind the hashing limit.
pub async fn verify_bounded(password: String, phc: String) -> Result<bool, Overloaded> {
    bounded(move |memory| verify_in(&password, &phc, memory)).await
}

/// [`hash_password`] behind the hashing limit.
pub async fn hash_bounded(password: String) -> Result<Result<String, HashError>, Overloaded> {
    bounded(move |memory| hash_in(&password, memory)).await
}

/// Could not hash a password (only on a broken system RNG or absurd parameters).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// An argon2id PHC string for `password`, with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, HashError> {
    hash_in(password, &mut Memory::new())
}

/// Whether `password` matches `phc`. A malformed stored hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    verify_in(password, phc, &mut Memory::new())
}

/// [`hash_password`] working in `memory` (grown to what the parameters need).
fn hash_in(password: &str, memory: &mut Memory) -> Result<String, HashError> {
    let argon = Argon2::default();
    let params = argon.params().clone();
    if memory.len() < params.block_count() {
        *memory = memory_for(&params);
    }
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let raw_salt = salt
        .decode_b64(&mut salt_bytes)
        .map_err(|e| HashError(e.to_string()))?;
    let output = password_hash::Output::init_with(
        params
            .output_len()
            .unwrap_or(argon2::Params::DEFAULT_OUTPUT_LEN),
        |out| {
            argon
                .hash_password_into_with_memory(password.as_bytes(), raw_salt, out, &mut memory[..])
                .map_err(|_| password_hash::Error::Crypto)
        },
    )
    .map_err(|e| HashError(e.to_string()))?;
    let phc = PasswordHash {
        algorithm: argon2::Algorithm::Argon2id.ident(),
        version: Some(argon2::Version::V0x13.into()),
        params: password_hash::ParamsString::try_from(&params)
            .map_err(|e| HashError(e.to_string()))?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// [`verify_password`] working in `memory` (grown to what the stored parameters need).
fn verify_in(password: &str, phc: &str, memory: &mut Memory) -> bool {
    let mut check = || -> Option<bool> {
        let parsed = PasswordHash::new(phc).ok()?;
        let algorithm = argon2::Algorithm::try_from(parsed.algorithm).ok()?;
        let version = parsed
            .version
            .map(argon2::Version::try_from)
            .transpose()
            .ok()?
            .unwrap_or_default();
        let params = argon2::Params::try_from(&parsed).ok()?;
        let expected = parsed.hash?;
        let salt = parsed.salt?;
        let mut salt_bytes = [0u8; 64];
        let raw_salt = salt.decode_b64(&mut salt_bytes).ok()?;
        if memory.len() < params.block_count() {
            *memory = memory_for(&params);
        }
        let argon = Argon2::new(algorithm, version, params);
        let actual = password_hash::Output::init_with(expected.len(), |out| {
            argon
                .hash_password_into_with_memory(password.as_bytes(), raw_salt, out, &mut memory[..])
                .map_err(|_| password_hash::Error::Crypto)
        })
        .ok()?;
        // `Output` compares in constant time.
        Some(actual == expected)
    };
    check().unwrap_or(false)
}

/// A hash to verify against when the email is unknown, so both refusals take the same time.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not-a-real-password").unwrap_or_default())
}

/// A new bearer token and the hash under which it is stored.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

/// The stored form of a token: hex SHA-256. Tokens carry 256 random bits, so a fast hash is enough.
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse").expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "garbage"));
    }

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let (a, ha) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert!(a.len() >= 43, "256 bits in base64url");
        assert_eq!(ha, hash_token(&a));
        assert!(!ha.contains(&a));
    }
}
