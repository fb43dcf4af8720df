//! The login host: the client-credentials token endpoint, OpenID metadata and instance
//! discovery, answering what real MSAL and azure-identity clients send.

use super::respond::{self, login_error};
use super::state::AppState;
use super::token::{Claims, GRAPH_AUDIENCE, audience_for_scope};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use serde_json::json;

/// `POST /{tenant}/oauth2/v2.0/token`.
pub fn token(state: &AppState, tenant: &str, headers: &HeaderMap, body: &[u8]) -> Response {
    let form: Vec<(String, String)> = match serde_urlencoded::from_bytes(body) {
        Ok(form) => form,
        Err(_) => {
            return login_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'grant_type'.",
            );
        }
    };
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    if let Some(refusal) = refuse_tenant(state, tenant) {
        return refusal;
    }
    let tenant = state.tenant(tenant).expect("checked above");
    let missing = |name: &str| {
        login_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            &format!("The request body must contain the following parameter: '{name}'."),
        )
    };
    let Some(grant_type) = field("grant_type") else {
        return missing("grant_type");
    };
    if grant_type != "client_credentials" {
        return login_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            &format!(
                "The app requested an unsupported grant type '{grant_type}'. This mock supports client_credentials only."
            ),
        );
    }
    let basic = basic_credentials(headers);
    let client_id = field("client_id")
        .map(str::to_string)
        .or_else(|| basic.as_ref().map(|b| b.0.clone()));
    let Some(client_id) = client_id else {
        return missing("client_id");
    };
    let Some(scope) = field("scope") else {
        return login_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90014,
            "The required field 'scope' is missing from the credential. Ensure that you have all the necessary parameters for the login request.",
        );
    };
    if !scope.split_whitespace().any(|s| s.ends_with("/.default")) {
        return login_error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1002012,
            &format!(
                "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
            ),
        );
    }
    let Some(app) = tenant
        .config
        .apps
        .iter()
        .find(|a| a.client_id.eq_ignore_ascii_case(&client_id))
    else {
        return login_error(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
                tenant.config.display_name
            ),
        );
    };
    let secret = field("client_secret")
        .map(str::to_string)
        .or_else(|| basic.map(|b| b.1));
    let Some(secret) = secret else {
        return login_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        );
    };
    if secret != app.client_secret {
        return login_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            &format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                app.client_id
            ),
        );
    }
    let now = state.unix_now();
    // `exp` one second past `expires_in`: Graph checks whole seconds, so a client that renews
    // when `expires_in` runs out is never refused first.
    let lifetime = i64::try_from(state.token_lifetime).unwrap_or(i64::MAX / 2);
    let tid = tenant.config.id.clone();
    let issuer = format!("https://sts.windows.net/{tid}/");
    let object_id = respond::random_guid();
    let audience = audience_for_scope(scope);
    // A token carries the app roles of its resource: Graph's permissions for Graph, Log
    // Analytics' `Data.Read` (when the scenario grants it) for Log Analytics.
    let roles = app
        .roles
        .iter()
        .filter(|r| (audience == GRAPH_AUDIENCE) != (r.as_str() == "Data.Read"))
        .cloned()
        .collect();
    let claims = Claims {
        aud: audience.into(),
        iss: issuer.clone(),
        iat: now,
        nbf: now,
        exp: now.saturating_add(lifetime).saturating_add(1),
        app_displayname: app.display_name.clone(),
        appid: app.client_id.clone(),
        appidacr: "1".into(),
        idp: issuer,
        idtyp: "app".into(),
        oid: object_id.clone(),
        roles,
        sub: object_id,
        tid,
        uti: respond::random_guid().replace('-', "")[..22].to_string(),
        ver: "1.0".into(),
    };
    let body = json!({
        "token_type": "Bearer",
        "expires_in": state.token_lifetime,
        "ext_expires_in": state.token_lifetime,
        "access_token": state.signer.issue(&claims),
    });
    let mut response = respond::json(
        StatusCode::OK,
        "application/json; charset=utf-8",
        serde_json::to_vec(&body).expect("serializes"),
    );
    respond::no_store(&mut response);
    response
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`: the mock's own endpoints, so MSAL
/// posts to it.
pub fn openid_configuration(state: &AppState, tenant: &str, base: &str) -> Response {
    if let Some(refusal) = refuse_tenant(state, tenant) {
        return refusal;
    }
    let tid = &state.tenant(tenant).expect("checked above").config.id;
    let body = json!({
        "token_endpoint": format!("{base}/{tid}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/{tid}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{base}/{tid}/v2.0"),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": format!("{base}/oidc/userinfo"),
        "authorization_endpoint": format!("{base}/{tid}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/{tid}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/{tid}/oauth2/v2.0/logout"),
        "tenant_region_scope": "WW",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
    });
    let mut response = respond::json(
        StatusCode::OK,
        "application/json; charset=utf-8",
        serde_json::to_vec(&body).expect("serializes"),
    );
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("max-age=86400, private"),
    );
    response
}

/// `GET /common/discovery/instance?authorization_endpoint=...`, for clients that keep
/// instance discovery on and can be pointed at the mock for it.
pub fn instance_discovery(query: &str, base: &str) -> Response {
    let endpoint = query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == "authorization_endpoint")
        .and_then(|(_, v)| crate::odata::decode_component(v).ok())
        .unwrap_or_default();
    let tenant = endpoint
        .split('/')
        .rev()
        .nth(3)
        .filter(|t| !t.is_empty())
        .unwrap_or("common")
        .to_string();
    let body = json!({
        "tenant_discovery_endpoint": format!("{base}/{tenant}/v2.0/.well-known/openid-configuration"),
        "api-version": "1.1",
        "metadata": [{
            "preferred_network": "login.microsoftonline.com",
            "preferred_cache": "login.windows.net",
            "aliases": ["login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"],
        }],
    });
    respond::json(
        StatusCode::OK,
        "application/json; charset=utf-8",
        serde_json::to_vec(&body).expect("serializes"),
    )
}

/// The login service's answer for a tenant segment it cannot use, or `None` when it can.
fn refuse_tenant(state: &AppState, tenant: &str) -> Option<Response> {
    let well_formed = !tenant.is_empty()
        && tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if !well_formed {
        return Some(login_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900023,
            &format!(
                "Specified tenant identifier '{tenant}' is neither a valid DNS name, nor a valid external domain."
            ),
        ));
    }
    state.tenant(tenant).is_none().then(|| {
        login_error(StatusCode::BAD_REQUEST, "invalid_tenant", 90002, &format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."))
    })
}

/// `Authorization: Basic base64(client_id:client_secret)` (client_secret_basic).
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    let unescape = |s: &str| crate::odata::decode_component(s).unwrap_or_else(|_| s.to_string());
    Some((unescape(id), unescape(secret)))
}
