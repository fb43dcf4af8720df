//! A TLS- and SASL PLAIN-terminating proxy in front of tansu, the way Event Hubs fronts its
//! brokers: tansu 0.6.0 serves neither TLS (its command line refuses `--cert` with `--key`)
//! nor SASL PLAIN (only SCRAM), so this test code does both and forwards the rest.
//!
//! Per connection, after the TLS handshake (a self-signed certificate for `localhost` and
//! `127.0.0.1`, its PEM written for the client's `ca_cert=`):
//! - **ApiVersions** (api key 18) is forwarded to tansu and its answer back, as a client
//!   sends it before logging in. Nothing is added to the answer: rskafka starts SASL only when
//!   the broker lists SaslHandshake (17) and SaslAuthenticate (36) (`Messenger::request` finds
//!   no version otherwise), and tansu lists both already, 17 as v0-1 and 36 as v0-2, because
//!   it routes them to its SCRAM handlers (tansu-broker `service/auth.rs`; tansu-service's
//!   ApiVersionsService lists every route).
//! - **SaslHandshake** v1 is answered here: mechanism `PLAIN` is accepted, any other gets
//!   UNSUPPORTED_SASL_MECHANISM (33) and the connection is closed. v0 (raw SASL tokens
//!   without Kafka framing follow it) gets UNSUPPORTED_VERSION (35) and is closed.
//! - **SaslAuthenticate** v0-v2 after the handshake is answered here: the PLAIN token
//!   (`authzid NUL authcid NUL password`, RFC 4616) must name exactly the user
//!   `$ConnectionString` with the expected connection string. A wrong one gets
//!   SASL_AUTHENTICATION_FAILED (58) and the connection is closed, as Kafka brokers do.
//! - **Any other request before the login** closes the connection.
//! - **After the login**, bytes are copied both ways unchanged until either side closes.
//!
//! Encodings follow apache/kafka's `clients/src/main/resources/common/message/Sasl*.json`
//! and the request/response header rules (a flexible version, SaslAuthenticate v2, has header
//! v2 with tagged fields in the request and header v1 in the response; the client id stays a
//! non-compact nullable string in every request header).

use axum_server::accept::Accept;
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// The SASL user Event Hubs takes with a connection string as the password.
pub const EVENT_HUBS_USER: &str = "$ConnectionString";

const SASL_HANDSHAKE: i16 = 17;
const API_VERSIONS: i16 = 18;
const SASL_AUTHENTICATE: i16 = 36;
const UNSUPPORTED_SASL_MECHANISM: i16 = 33;
const UNSUPPORTED_VERSION: i16 = 35;
const SASL_AUTHENTICATION_FAILED: i16 = 58;
/// Requests before the login are small; anything bigger is not a client logging in.
const MAX_FRAME_BEFORE_LOGIN: usize = 64 << 10;

/// One SaslAuthenticate the proxy answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub user: String,
    pub accepted: bool,
}

/// What the proxy saw, for the tests to check.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    /// Logins in the order answered (each recorded before its answer is sent).
    pub logins: Vec<Login>,
    /// TLS handshakes that failed (a client that does not trust the certificate).
    pub tls_failures: usize,
    /// Api keys of requests refused because they came before a login.
    pub refused_before_login: Vec<i16>,
    /// Connections closed on purpose as soon as they were accepted.
    pub dropped: usize,
}

/// The proxy's listening socket, bound before tansu starts so that tansu can advertise it.
pub struct ProxyListener {
    listener: std::net::TcpListener,
}

impl ProxyListener {
    pub fn bind() -> ProxyListener {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        listener.set_nonblocking(true).unwrap();
        ProxyListener { listener }
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().unwrap().port()
    }

    /// Serves TLS on the bound port, forwarding logged-in connections to tansu on loopback
    /// `upstream`; the login's password must be `connection_string`.
    pub fn serve(self, upstream: u16, connection_string: &str) -> SaslTlsProxy {
        self.serve_dropping(upstream, connection_string, None)
    }

    /// As [`serve`](Self::serve), but closes the `nth` connection (from 1) as soon as it is
    /// accepted, as a broker that restarts or a flaky network would.
    pub fn serve_dropping(
        self,
        upstream: u16,
        connection_string: &str,
        nth: Option<usize>,
    ) -> SaslTlsProxy {
        let dir = tempfile::tempdir().unwrap();
        let certified =
            rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
                .unwrap();
        let cert_pem = certified.cert.pem();
        let ca_cert = dir.path().join("proxy-ca.pem");
        std::fs::write(&ca_cert, &cert_pem).unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let config = runtime
            .block_on(RustlsConfig::from_pem(
                cert_pem.into_bytes(),
                certified.signing_key.serialize_pem().into_bytes(),
            ))
            .unwrap();
        let acceptor = RustlsAcceptor::new(config);
        let seen = Arc::new(Mutex::new(Seen::default()));
        let password: Arc<str> = Arc::from(connection_string);
        let listener = {
            let _entered = runtime.enter();
            tokio::net::TcpListener::from_std(self.listener).unwrap()
        };
        let shared = Arc::clone(&seen);
        runtime.spawn(async move {
            let mut accepted = 0;
            while let Ok((tcp, _)) = listener.accept().await {
                accepted += 1;
                if Some(accepted) == nth {
                    shared.lock().unwrap().dropped += 1;
                    drop(tcp);
                    continue;
                }
                let (acceptor, seen, password) =
                    (acceptor.clone(), Arc::clone(&shared), Arc::clone(&password));
                tokio::spawn(async move {
                    match acceptor.accept(tcp, ()).await {
                        Ok((tls, _)) => {
                            // A connection that breaks off is the client's business.
                            let _ = serve_connection(tls, upstream, &password, &seen).await;
                        }
                        Err(_) => seen.lock().unwrap().tls_failures += 1,
                    }
                });
            }
        });
        SaslTlsProxy {
            ca_cert,
            seen,
            _runtime: runtime,
            _dir: dir,
        }
    }
}

/// A running proxy; stops when dropped (its runtime, and every connection with it).
pub struct SaslTlsProxy {
    /// The PEM of the proxy's certificate, for `ca_cert=`.
    pub ca_cert: PathBuf,
    seen: Arc<Mutex<Seen>>,
    _runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

impl SaslTlsProxy {
    pub fn seen(&self) -> Seen {
        self.seen.lock().unwrap().clone()
    }

    /// What the proxy saw once `done` holds of it, or after 10 s (for what the proxy records
    /// only after the client already learnt the outcome, such as a failed TLS handshake).
    pub fn seen_once(&self, done: impl Fn(&Seen) -> bool) -> Seen {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let seen = self.seen();
            if done(&seen) || Instant::now() > deadline {
                return seen;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// One client connection: the login answered here, then tansu's bytes both ways.
async fn serve_connection<S>(
    mut client: S,
    upstream: u16,
    password: &str,
    seen: &Mutex<Seen>,
) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut broker = TcpStream::connect(("127.0.0.1", upstream)).await?;
    let mut plain_chosen = false;
    loop {
        let frame = read_frame(&mut client).await?;
        let request = RequestHeader::parse(&frame).ok_or_else(malformed)?;
        match request.api_key {
            API_VERSIONS => {
                write_frame(&mut broker, &frame).await?;
                let answer = read_frame(&mut broker).await?;
                write_frame(&mut client, &answer).await?;
            }
            SASL_HANDSHAKE => {
                let mechanism = Bytes::new(&frame[request.body..]).string();
                let code = match (request.api_version, mechanism.as_deref()) {
                    (1, Some("PLAIN")) => 0,
                    (1, _) => UNSUPPORTED_SASL_MECHANISM,
                    _ => UNSUPPORTED_VERSION,
                };
                write_frame(&mut client, &handshake_answer(request.correlation_id, code)).await?;
                if code != 0 {
                    return Ok(());
                }
                plain_chosen = true;
            }
            SASL_AUTHENTICATE if plain_chosen => {
                let token = request.auth_bytes(&frame).ok_or_else(malformed)?;
                let login = check_plain(&token, password);
                let accepted = login.accepted;
                seen.lock().unwrap().logins.push(login);
                let answer = authenticate_answer(&request, accepted);
                write_frame(&mut client, &answer).await?;
                if !accepted {
                    return client.shutdown().await;
                }
                break;
            }
            other => {
                seen.lock().unwrap().refused_before_login.push(other);
                return Ok(());
            }
        }
    }
    tokio::io::copy_bidirectional(&mut client, &mut broker).await?;
    Ok(())
}

fn malformed() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "not a Kafka request")
}

/// A size-prefixed Kafka frame (without its size) from a client that has not logged in, or
/// tansu's answer to one.
async fn read_frame(stream: &mut (impl AsyncRead + Unpin)) -> io::Result<Vec<u8>> {
    let size = stream.read_i32().await?;
    let size = usize::try_from(size)
        .ok()
        .filter(|&s| s <= MAX_FRAME_BEFORE_LOGIN)
        .ok_or_else(malformed)?;
    let mut frame = vec![0; size];
    stream.read_exact(&mut frame).await?;
    Ok(frame)
}

async fn write_frame(stream: &mut (impl AsyncWrite + Unpin), frame: &[u8]) -> io::Result<()> {
    stream.write_i32(frame.len() as i32).await?;
    stream.write_all(frame).await?;
    stream.flush().await
}

/// A request header: api key, version, correlation id, client id and, in a flexible
/// version (of the requests read here, SaslAuthenticate v2+), tagged fields.
struct RequestHeader {
    api_key: i16,
    api_version: i16,
    correlation_id: i32,
    /// Where the body starts in the frame.
    body: usize,
}

impl RequestHeader {
    fn parse(frame: &[u8]) -> Option<RequestHeader> {
        let mut bytes = Bytes::new(frame);
        let api_key = bytes.i16()?;
        let api_version = bytes.i16()?;
        let correlation_id = bytes.i32()?;
        let client_id = bytes.i16()?;
        if client_id > 0 {
            bytes.take(client_id as usize)?;
        }
        if api_key == SASL_AUTHENTICATE && api_version >= 2 {
            bytes.skip_tagged_fields()?;
        }
        Some(RequestHeader {
            api_key,
            api_version,
            correlation_id,
            body: bytes.at,
        })
    }

    /// SaslAuthenticate's AuthBytes: BYTES in v0-1, COMPACT_BYTES in v2.
    fn auth_bytes(&self, frame: &[u8]) -> Option<Vec<u8>> {
        let mut bytes = Bytes::new(&frame[self.body..]);
        let size = match self.api_version {
            0 | 1 => usize::try_from(bytes.i32()?).ok()?,
            _ => usize::try_from(bytes.uvarint()?.checked_sub(1)?).ok()?,
        };
        bytes.take(size).map(<[u8]>::to_vec)
    }
}

/// A PLAIN token accepted only for [`EVENT_HUBS_USER`] with `password` (and no other
/// identity to act as).
fn check_plain(token: &[u8], password: &str) -> Login {
    let parts: Vec<&[u8]> = token.split(|&b| b == 0).collect();
    let [authzid, user, given] = parts[..] else {
        return Login {
            user: String::new(),
            accepted: false,
        };
    };
    let user = String::from_utf8_lossy(user).into_owned();
    let accepted = user == EVENT_HUBS_USER
        && given == password.as_bytes()
        && (authzid.is_empty() || authzid == user.as_bytes());
    Login { user, accepted }
}

/// SaslHandshake v0/v1's answer: response header v0, ErrorCode, Mechanisms (`[PLAIN]`).
fn handshake_answer(correlation_id: i32, code: i16) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend(correlation_id.to_be_bytes());
    out.extend(code.to_be_bytes());
    out.extend(1i32.to_be_bytes());
    out.extend(5i16.to_be_bytes());
    out.extend(b"PLAIN");
    out
}

/// SaslAuthenticate's answer: ErrorCode, ErrorMessage (nullable), AuthBytes (empty: PLAIN
/// has no server challenge), SessionLifetimeMs (v1+, 0: no re-authentication needed); v2 is
/// flexible (response header v1, compact strings and bytes, tagged fields).
fn authenticate_answer(request: &RequestHeader, accepted: bool) -> Vec<u8> {
    let flexible = request.api_version >= 2;
    let (code, message) = match accepted {
        true => (0i16, None),
        false => (
            SASL_AUTHENTICATION_FAILED,
            Some("Authentication failed: invalid connection string or user"),
        ),
    };
    let mut out = Vec::new();
    out.extend(request.correlation_id.to_be_bytes());
    if flexible {
        out.push(0); // response header tagged fields
    }
    out.extend(code.to_be_bytes());
    match (message, flexible) {
        (None, false) => out.extend((-1i16).to_be_bytes()),
        (None, true) => out.push(0),
        (Some(text), false) => {
            out.extend((text.len() as i16).to_be_bytes());
            out.extend(text.as_bytes());
        }
        (Some(text), true) => {
            put_uvarint(&mut out, text.len() as u64 + 1);
            out.extend(text.as_bytes());
        }
    }
    match flexible {
        false => out.extend(0i32.to_be_bytes()),
        true => out.push(1), // compact: length + 1
    }
    if request.api_version >= 1 {
        out.extend(0i64.to_be_bytes());
    }
    if flexible {
        out.push(0); // body tagged fields
    }
    out
}

fn put_uvarint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Big-endian reading of a frame; `None` past its end.
struct Bytes<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Bytes<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Bytes { bytes, at: 0 }
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let taken = self.bytes.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(taken)
    }

    fn i16(&mut self) -> Option<i16> {
        Some(i16::from_be_bytes(self.take(2)?.try_into().ok()?))
    }

    fn i32(&mut self) -> Option<i32> {
        Some(i32::from_be_bytes(self.take(4)?.try_into().ok()?))
    }

    fn uvarint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.take(1)?[0];
            value |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Some(value);
            }
        }
        None
    }

    /// A STRING (int16 length, then UTF-8).
    fn string(&mut self) -> Option<String> {
        let size = usize::try_from(self.i16()?).ok()?;
        String::from_utf8(self.take(size)?.to_vec()).ok()
    }

    fn skip_tagged_fields(&mut self) -> Option<()> {
        for _ in 0..self.uvarint()? {
            self.uvarint()?;
            let size = usize::try_from(self.uvarint()?).ok()?;
            self.take(size)?;
        }
        Some(())
    }
}

/// The proxy on its own, without tansu.
mod tests {
    use super::*;

    #[test]
    fn only_the_connection_string_user_with_the_right_password_logs_in() {
        let login = |token: &[u8]| check_plain(token, "Endpoint=sb://x/;K=v");
        assert!(login(b"\0$ConnectionString\0Endpoint=sb://x/;K=v").accepted);
        assert!(login(b"$ConnectionString\0$ConnectionString\0Endpoint=sb://x/;K=v").accepted);
        for refused in [
            &b"\0$ConnectionString\0Endpoint=sb://x/;K=w"[..],
            b"\0someone\0Endpoint=sb://x/;K=v",
            b"admin\0$ConnectionString\0Endpoint=sb://x/;K=v",
            b"\0$ConnectionString\0Endpoint=sb://x/;K=v\0",
            b"",
        ] {
            assert!(!login(refused).accepted, "{refused:?}");
        }
    }

    /// A TLS connection to the proxy on `port` that trusts `ca_cert`, blocking.
    fn tls_client(
        port: u16,
        ca_cert: &std::path::Path,
    ) -> rustls::StreamOwned<rustls::ClientConnection, std::net::TcpStream> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(ca_cert).unwrap() {
            roots.add(cert.unwrap()).unwrap();
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = "127.0.0.1".try_into().unwrap();
        let connection = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
        let tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        rustls::StreamOwned::new(connection, tcp)
    }

    /// A request frame: header v1 (client id `t`), then `body`.
    fn request_frame(api_key: i16, api_version: i16, correlation_id: i32, body: &[u8]) -> Vec<u8> {
        let mut frame = Vec::new();
        frame.extend(api_key.to_be_bytes());
        frame.extend(api_version.to_be_bytes());
        frame.extend(correlation_id.to_be_bytes());
        frame.extend(1i16.to_be_bytes());
        frame.push(b't');
        frame.extend(body);
        let mut sized = (frame.len() as i32).to_be_bytes().to_vec();
        sized.extend(frame);
        sized
    }

    /// Everything the proxy sends until it closes the connection.
    fn until_closed(stream: &mut impl std::io::Read) -> Vec<u8> {
        let mut received = Vec::new();
        if let Err(e) = stream.read_to_end(&mut received) {
            // Closed without TLS close_notify, as a dropped connection is.
            assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof, "{e}");
        }
        received
    }

    #[test]
    fn requests_before_a_login_and_other_mechanisms_are_refused() {
        use std::io::Write;
        // Stands for tansu: connections wait in its backlog, and nothing may need an answer.
        let upstream = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let listener = ProxyListener::bind();
        let port = listener.port();
        let proxy = listener.serve(upstream.local_addr().unwrap().port(), "secret");

        // Metadata (api key 3) v1 for all topics, before any login: closed, unanswered.
        let mut tls = tls_client(port, &proxy.ca_cert);
        tls.write_all(&request_frame(3, 1, 1, &(-1i32).to_be_bytes()))
            .unwrap();
        assert!(until_closed(&mut tls).is_empty());

        // SaslHandshake v1 for SCRAM-SHA-256: UNSUPPORTED_SASL_MECHANISM naming PLAIN, closed.
        let mut tls = tls_client(port, &proxy.ca_cert);
        let mut mechanism = 13i16.to_be_bytes().to_vec();
        mechanism.extend(b"SCRAM-SHA-256");
        tls.write_all(&request_frame(17, 1, 2, &mechanism)).unwrap();
        let expected = [
            &[0, 0, 0, 17][..], // size
            &[0, 0, 0, 2],      // correlation id
            &[0, 33],           // UNSUPPORTED_SASL_MECHANISM
            &[0, 0, 0, 1],      // one mechanism:
            &[0, 5],
            b"PLAIN",
        ]
        .concat();
        assert_eq!(until_closed(&mut tls), expected);

        let seen = proxy.seen();
        assert_eq!(seen.refused_before_login, [3]);
        assert!(seen.logins.is_empty() && seen.tls_failures == 0, "{seen:?}");
    }
}
