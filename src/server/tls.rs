//! A self-signed certificate for `localhost` and `127.0.0.1`, written where the user can trust
//! it (MSAL-based clients refuse an http authority).

use std::path::{Path, PathBuf};

pub struct Certificate {
    pub cert_pem: String,
    pub key_pem: String,
}

impl Certificate {
    pub fn self_signed() -> Result<Self, rcgen::Error> {
        let names = vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            "::1".to_string(),
        ];
        let certified = rcgen::generate_simple_self_signed(names)?;
        Ok(Certificate {
            cert_pem: certified.cert.pem(),
            key_pem: certified.signing_key.serialize_pem(),
        })
    }

    /// Writes the certificate (not the key) to `path`.
    pub fn write(&self, path: &Path) -> std::io::Result<PathBuf> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, &self.cert_pem)?;
        Ok(path.to_path_buf())
    }
}
