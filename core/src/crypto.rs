//! Secrets: password hashing (argon2id), bearer tokens (stored only as SHA-256 hashes),
//! personal data sealed at rest (XChaCha20-Poly1305) with a keyed blind index for look-ups,
//! and masking for everything shown.

use std::path::Path;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::config::Config;
use crate::error::Error;

/// Argon2id with the configured cost.
#[derive(Clone)]
pub struct PasswordHashing {
    params: Params,
}

impl PasswordHashing {
    pub fn new(memory_kib: u32, iterations: u32) -> Result<Self, Error> {
        let params = Params::new(memory_kib, iterations, 1, None)
            .map_err(|e| Error::invalid("auth.argon2", e.to_string()))?;
        Ok(Self { params })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// A PHC string (`$argon2id$…`) with a fresh salt.
    pub fn hash(&self, password: &str) -> Result<String, Error> {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt =
            SaltString::encode_b64(&salt).map_err(|e| Error::Internal(format!("salt: {e}")))?;
        self.argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("password hashing: {e}")))
    }

    /// Whether `password` matches `phc`; a malformed stored hash never matches.
    pub fn verify(&self, password: &str, phc: &str) -> bool {
        PasswordHash::new(phc)
            .map(|h| {
                self.argon2()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    }
}

/// A new bearer token: what the holder gets, and the hash we keep.
pub fn new_token() -> (String, String) {
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    let token = format!("yw_{}", URL_SAFE_NO_PAD.encode(raw));
    let hash = token_hash(&token);
    (token, hash)
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// SHA-256 of `data`, hex; the audit chain's hash.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Seals and opens personal data (ID numbers, phone numbers) and computes blind indexes.
#[derive(Clone)]
pub struct Vault {
    cipher: XChaCha20Poly1305,
    index_key: Zeroizing<[u8; 32]>,
}

impl Vault {
    /// Builds the vault from a 32-byte master key.
    pub fn new(master: &[u8; 32]) -> Self {
        // Separate keys for encryption and for the index, derived from the one master key.
        let enc = derive(master, b"yiwang personal data encryption v1");
        let idx = derive(master, b"yiwang personal data blind index v1");
        Self {
            cipher: XChaCha20Poly1305::new((&*enc).into()),
            index_key: idx,
        }
    }

    /// The key from configuration, or from `DATA_DIR/secret.key`, created on first use.
    pub fn from_config(config: &Config) -> Result<Self, Error> {
        if let Some(k) = &config.secrets.key {
            let k = &k.0;
            return Ok(Self::new(&decode_key(k.expose_secret())?));
        }
        let path = config
            .secrets
            .key_file
            .clone()
            .unwrap_or_else(|| config.data_dir.join("secret.key"));
        Ok(Self::new(&load_or_create_key(&path)?))
    }

    /// `base64(nonce ‖ ciphertext)`.
    pub fn seal(&self, plain: &str) -> Result<String, Error> {
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let ct = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), plain.as_bytes())
            .map_err(|_| Error::Internal("encryption failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(STANDARD.encode(out))
    }

    pub fn open(&self, sealed: &str) -> Result<String, Error> {
        let bytes = STANDARD
            .decode(sealed)
            .map_err(|_| Error::Internal("sealed value is not base64".into()))?;
        if bytes.len() < 24 {
            return Err(Error::Internal("sealed value too short".into()));
        }
        let (nonce, ct) = bytes.split_at(24);
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), ct)
            .map_err(|_| Error::Internal("cannot decrypt: wrong key or damaged value".into()))?;
        String::from_utf8(plain).map_err(|_| Error::Internal("decrypted value not UTF-8".into()))
    }

    /// A keyed hash that finds records by an exact value without storing the value.
    pub fn blind_index(&self, plain: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&*self.index_key)
            .unwrap_or_else(|_| unreachable_hmac());
        mac.update(plain.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// HMAC accepts keys of any length, so constructing it cannot fail.
fn unreachable_hmac() -> Hmac<Sha256> {
    unreachable!("HMAC-SHA256 takes keys of any length")
}

fn derive(master: &[u8; 32], label: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut h = Sha256::new();
    h.update(master);
    h.update(label);
    Zeroizing::new(h.finalize().into())
}

fn decode_key(b64: &str) -> Result<[u8; 32], Error> {
    let bytes = STANDARD
        .decode(b64.trim())
        .map_err(|_| Error::invalid("secrets.key", "must be base64"))?;
    bytes
        .try_into()
        .map_err(|_| Error::invalid("secrets.key", "must be 32 bytes"))
}

fn load_or_create_key(path: &Path) -> Result<[u8; 32], Error> {
    match std::fs::read_to_string(path) {
        Ok(s) => decode_key(&s),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| Error::Unavailable(format!("{}: {e}", dir.display())))?;
            }
            let mut key = [0u8; 32];
            rand::rng().fill_bytes(&mut key);
            write_private(path, &STANDARD.encode(key))?;
            Ok(key)
        }
        Err(e) => Err(Error::Unavailable(format!("{}: {e}", path.display()))),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, content: &str) -> Result<(), Error> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::Unavailable(format!("{}: {e}", path.display())))?;
    f.write_all(content.as_bytes())
        .map_err(|e| Error::Unavailable(format!("{}: {e}", path.display())))
}

#[cfg(not(unix))]
fn write_private(path: &Path, content: &str) -> Result<(), Error> {
    std::fs::write(path, content)
        .map_err(|e| Error::Unavailable(format!("{}: {e}", path.display())))
}

/// Keeps `head` leading and `tail` trailing characters, stars in between.
pub fn mask(value: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_with_the_same_key_only() {
        let v = Vault::new(&[7u8; 32]);
        let sealed = v.seal("13800138000").unwrap();
        assert!(!sealed.contains("13800138000"));
        assert_eq!(v.open(&sealed).unwrap(), "13800138000");
        assert!(Vault::new(&[8u8; 32]).open(&sealed).is_err());
    }

    #[test]
    fn sealing_twice_gives_different_ciphertexts_but_one_blind_index() {
        let v = Vault::new(&[1u8; 32]);
        assert_ne!(v.seal("x").unwrap(), v.seal("x").unwrap());
        assert_eq!(v.blind_index("x"), v.blind_index("x"));
        assert_ne!(v.blind_index("x"), v.blind_index("y"));
    }

    #[test]
    fn passwords_verify_and_wrong_ones_do_not() {
        let h = PasswordHashing::new(1024, 1).unwrap();
        let phc = h.hash("correct horse").unwrap();
        assert!(h.verify("correct horse", &phc));
        assert!(!h.verify("wrong", &phc));
        assert!(!h.verify("correct horse", "not a hash"));
    }

    #[test]
    fn tokens_are_stored_as_hashes() {
        let (token, hash) = new_token();
        assert!(token.starts_with("yw_"));
        assert_eq!(token_hash(&token), hash);
        assert_ne!(token, hash);
    }

    #[test]
    fn masking_keeps_the_ends() {
        assert_eq!(mask("13800138000", 3, 4), "138****8000");
        assert_eq!(mask("abc", 2, 2), "***");
    }

    #[test]
    fn a_created_key_file_is_reused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k");
        let a = load_or_create_key(&p).unwrap();
        let b = load_or_create_key(&p).unwrap();
        assert_eq!(a, b);
    }
}
