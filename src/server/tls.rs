//! A self-signed certificate for `localhost` and `127.0.0.1`, written where the user can trust
//! it (MSAL-based clients refuse an http authority).
//!
//! Each running server owns its certificate file: the default path is named after the address
//! the server listens on (which no other running server can hold), and the server keeps an
//! advisory lock on the file, so a second server, even one told to use the same file, never
//! replaces the trust anchor that the first one's clients rely on.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub struct Certificate {
    pub cert_pem: String,
    pub key_pem: String,
}

/// A certificate file that this process wrote and holds until the value is dropped.
pub struct HeldCertificate {
    pub path: PathBuf,
    _file: File,
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

    /// Where a server listening on `addr` writes its certificate unless told otherwise:
    /// `<temp>/entralab/127.0.0.1-8443.pem`. Stable across restarts on the same address, so a
    /// client's `SSL_CERT_FILE` keeps working; distinct for servers running side by side.
    pub fn default_path(addr: SocketAddr) -> PathBuf {
        let ip = addr.ip().to_string().replace(':', "_");
        std::env::temp_dir()
            .join("entralab")
            .join(format!("{ip}-{}.pem", addr.port()))
    }

    /// Writes the certificate (not the key) to `path` and holds the file. Refuses, leaving
    /// the file as it is, when another running server holds it.
    pub fn write_held(&self, path: &Path) -> io::Result<HeldCertificate> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        hold(&file)?;
        file.set_len(0)?;
        file.write_all(self.cert_pem.as_bytes())?;
        file.flush()?;
        Ok(HeldCertificate {
            path: path.to_path_buf(),
            _file: file,
        })
    }
}

/// An exclusive advisory lock: other servers' `write_held` fails, clients still read the file.
/// Unix only: elsewhere an exclusive lock would stop clients reading it.
#[cfg(unix)]
fn hold(file: &File) -> io::Result<()> {
    file.try_lock().map_err(|e| match e {
        std::fs::TryLockError::WouldBlock => io::Error::new(
            io::ErrorKind::AddrInUse,
            "another running entralab serve uses this certificate file; give each serve its own --cert-file",
        ),
        std::fs::TryLockError::Error(e) => e,
    })
}

#[cfg(not(unix))]
fn hold(_file: &File) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_certificate_file_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("cert.pem");
        let first = Certificate::self_signed().unwrap();
        let held = first.write_held(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), first.cert_pem);
        let second = Certificate::self_signed().unwrap();
        if cfg!(unix) {
            let refused = second.write_held(&path).err().expect("the file is held");
            assert!(refused.to_string().contains("--cert-file"), "{refused}");
            assert_eq!(std::fs::read_to_string(&path).unwrap(), first.cert_pem);
        }
        drop(held);
        second.write_held(&path).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), second.cert_pem);
    }

    #[test]
    fn default_paths_differ_by_address() {
        let a = Certificate::default_path("127.0.0.1:8443".parse().unwrap());
        let b = Certificate::default_path("127.0.0.1:9443".parse().unwrap());
        let c = Certificate::default_path("[::1]:8443".parse().unwrap());
        assert!(a.ends_with("entralab/127.0.0.1-8443.pem"), "{a:?}");
        assert_ne!(a, b);
        assert!(c.ends_with("entralab/__1-8443.pem"), "{c:?}");
    }
}
