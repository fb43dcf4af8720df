//! A real `entralab serve` process for tests: started on an ephemeral loopback port, its info
//! file read once it listens, killed when the guard goes (on panic too).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const SERVER_START: Duration = Duration::from_secs(30);

/// A child process killed (and reaped) when the guard goes.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub struct Served {
    pub info: serde_json::Value,
    pub info_path: PathBuf,
    pub cert: PathBuf,
    _server: KillOnDrop,
    _dir: tempfile::TempDir,
}

pub fn read(path: &Path) -> String {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

impl Served {
    /// `entralab serve ARGS... --bind 127.0.0.1:0` from the crate root.
    pub fn start(args: &[&str]) -> Served {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let cert = dir.path().join("entralab.pem");
        let mut command = Command::new(assert_cmd::cargo::cargo_bin("entralab"));
        command
            .arg("serve")
            .args(args)
            .args(["--bind", "127.0.0.1:0", "--cert-file"])
            .arg(&cert);
        let mut served = Served::launch(command, dir);
        served.cert = cert;
        served
    }

    /// `COMMAND --info-file ...` (an `entralab serve` with its own arguments, bind and
    /// certificate), waited for until it listens. `cert` is the certificate it reports.
    pub fn launch(mut command: Command, dir: tempfile::TempDir) -> Served {
        let info_path = dir.path().join("info.json");
        let log_path = dir.path().join("serve.log");
        let log = File::create(&log_path).expect("server log");
        let mut server = KillOnDrop(
            command
                .current_dir(ROOT)
                .arg("--info-file")
                .arg(&info_path)
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("server log"))
                .stderr(log)
                .spawn()
                .expect("start entralab serve"),
        );
        let deadline = Instant::now() + SERVER_START;
        let info: serde_json::Value = loop {
            if let Ok(bytes) = std::fs::read(&info_path)
                && let Ok(info) = serde_json::from_slice(&bytes)
            {
                break info;
            }
            if let Ok(Some(status)) = server.0.try_wait() {
                panic!(
                    "entralab serve exited ({status}) before writing its info file:\n{}",
                    read(&log_path)
                );
            }
            assert!(
                Instant::now() < deadline,
                "entralab serve wrote no info file within {SERVER_START:?}:\n{}",
                read(&log_path)
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        let cert = PathBuf::from(info["certificate"].as_str().unwrap_or_default());
        Served {
            info,
            info_path,
            cert,
            _server: server,
            _dir: dir,
        }
    }

    pub fn base(&self) -> String {
        self.info["base_url"]
            .as_str()
            .expect("base_url")
            .to_string()
    }
}
