//! The mock Microsoft Graph: a login host (token endpoint, OpenID metadata) and the `/v1.0`
//! and `/beta` audit log APIs, serving simulated tenants to unchanged Graph clients; beside
//! it, each tenant's Log Analytics workspace under `/v1/workspaces/{id}/query`.

mod config;
mod faults;
mod graph_api;
mod log_analytics;
mod login;
mod respond;
mod risk_api;
mod state;
mod tls;
mod token;

pub use config::{AppCredentials, Clock, FaultConfig, ServerConfig, TenantConfig};
pub use log_analytics::{MAX_RESULT_BYTES, MAX_RESULT_ROWS, workspace_id};
pub use tls::Certificate;
pub use token::{DEFAULT_TOKEN_LIFETIME, TokenSigner};

use axum::Router;
use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::Response;
use graph_api::{GraphRequest, Version};
use respond::{RequestIds, graph_error};
use state::AppState;
use std::net::SocketAddr;
use std::sync::Arc;

/// The largest token request body read.
const MAX_BODY: usize = 64 * 1024;

/// The routes, over shared state. `scheme` and `host` are how clients reach the server, for
/// requests that do not say (HTTP/1.0 without `Host`).
pub fn app(config: ServerConfig, scheme: &'static str, host: String) -> Router {
    app_signed(config, scheme, host, TokenSigner::random())
}

/// [`app`] signing tokens with `signer`: replicas given signers of one secret accept each
/// other's tokens.
pub fn app_signed(
    config: ServerConfig,
    scheme: &'static str,
    host: String,
    signer: TokenSigner,
) -> Router {
    let mut state = AppState::new(config, scheme, host);
    state.signer = signer;
    Router::new().fallback(dispatch).with_state(Arc::new(state))
}

/// One handler for every path: the login and Graph paths start with a free segment (tenant
/// or version) and are matched here, case-insensitively where Graph is.
async fn dispatch(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let ids = RequestIds::new(request.headers());
    let mut response = route(&state, request, &ids).await;
    ids.apply(&mut response);
    response
}

async fn route(state: &Arc<AppState>, request: Request, ids: &RequestIds) -> Response {
    let (parts, body) = request.into_parts();
    // HTTP/2 carries the host in the URI's authority, HTTP/1.1 in the Host header.
    let host = parts
        .uri
        .authority()
        .map(|a| a.as_str())
        .or_else(|| {
            parts
                .headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
        })
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
        })
        .unwrap_or(&state.host);
    let base = format!("{}://{host}", state.scheme);
    let path = parts.uri.path();
    let query = parts.uri.query().unwrap_or("");
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match (&parts.method, segments.as_slice()) {
        (&Method::GET, ["common", "discovery", "instance"]) => {
            login::instance_discovery(query, &base)
        }
        (&Method::POST, [tenant, "oauth2", "v2.0", "token"]) => {
            match to_bytes(body, MAX_BODY).await {
                Ok(bytes) => login::token(state, tenant, &parts.headers, &bytes),
                Err(_) => graph_error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "BadRequest",
                    "The request body is too large.",
                    None,
                    ids,
                ),
            }
        }
        (&Method::GET, [tenant, "v2.0", ".well-known", "openid-configuration"]) => {
            login::openid_configuration(state, tenant, &base)
        }
        (method, ["v1", rest @ ..]) => {
            let request = log_analytics::LogsRequest {
                method,
                segments: rest,
                query,
                headers: &parts.headers,
                ids,
            };
            log_analytics::handle(state, request, body).await
        }
        (method, [version, root, rest @ ..])
            if Version::from_segment(version).is_some()
                && root.eq_ignore_ascii_case("identityProtection") =>
        {
            let bytes = if method == Method::POST {
                to_bytes(body, MAX_BODY).await.unwrap_or_default()
            } else {
                Default::default()
            };
            risk_api::handle(
                state,
                risk_api::RiskRequest {
                    version: Version::from_segment(version).expect("checked"),
                    method,
                    segments: rest,
                    query,
                    headers: &parts.headers,
                    base: &base,
                    ids,
                    body: &bytes,
                },
            )
            .await
        }
        (method, [version, rest @ ..]) if Version::from_segment(version).is_some() => {
            if method != Method::GET {
                return graph_error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "Request_BadRequest",
                    "The audit log APIs only support GET.",
                    None,
                    ids,
                );
            }
            let version = Version::from_segment(version).expect("checked");
            graph_api::handle(
                state,
                GraphRequest {
                    version,
                    segments: rest,
                    query,
                    headers: &parts.headers,
                    base: &base,
                    ids,
                },
            )
            .await
        }
        _ => graph_error(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("No route for {} {path}", parts.method),
            None,
            ids,
        ),
    }
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub handle: axum_server::Handle<SocketAddr>,
}

/// Binds `addr` and serves in the background; TLS when a certificate is given.
pub async fn start(
    config: ServerConfig,
    addr: SocketAddr,
    tls: Option<&Certificate>,
) -> std::io::Result<Running> {
    Bound::bind(addr)?.serve(config, tls).await
}

/// A bound listener that does not serve yet, so that a caller learns whether it got the
/// address before it writes anything other clients rely on (the certificate).
pub struct Bound {
    listener: std::net::TcpListener,
    pub addr: SocketAddr,
}

impl Bound {
    pub fn bind(addr: SocketAddr) -> std::io::Result<Bound> {
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        Ok(Bound { listener, addr })
    }

    /// Serves in the background; TLS when a certificate is given.
    pub async fn serve(
        self,
        config: ServerConfig,
        tls: Option<&Certificate>,
    ) -> std::io::Result<Running> {
        self.serve_signed(config, tls, TokenSigner::random()).await
    }

    /// [`Bound::serve`] signing tokens with `signer`.
    pub async fn serve_signed(
        self,
        config: ServerConfig,
        tls: Option<&Certificate>,
        signer: TokenSigner,
    ) -> std::io::Result<Running> {
        if let Some(ambiguity) = config.ambiguity() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                ambiguity,
            ));
        }
        let Bound { listener, addr } = self;
        let handle = axum_server::Handle::new();
        match tls {
            Some(certificate) => {
                let tls = axum_server::tls_rustls::RustlsConfig::from_pem(
                    certificate.cert_pem.clone().into_bytes(),
                    certificate.key_pem.clone().into_bytes(),
                )
                .await?;
                let service =
                    app_signed(config, "https", addr.to_string(), signer).into_make_service();
                let server = axum_server::from_tcp_rustls(listener, tls)?.handle(handle.clone());
                tokio::spawn(async move { server.serve(service).await });
            }
            None => {
                let service =
                    app_signed(config, "http", addr.to_string(), signer).into_make_service();
                let server = axum_server::from_tcp(listener)?.handle(handle.clone());
                tokio::spawn(async move { server.serve(service).await });
            }
        }
        Ok(Running { addr, handle })
    }
}

impl Running {
    /// Stops accepting, lets requests in flight finish (up to a few seconds).
    pub fn shutdown(&self) {
        self.handle
            .graceful_shutdown(Some(std::time::Duration::from_secs(5)));
    }
}

/// A response body for tests and tools that call the router directly.
pub async fn body_bytes(response: Response) -> Vec<u8> {
    to_bytes(response.into_body(), usize::MAX)
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default()
}
