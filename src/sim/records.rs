//! Builds Graph records. Strings shared by many records (catalogue texts, a user's names, an
//! app) are made once and shared.

use super::authentication::{BetaTexts, RowAuth, RowFacts};
use super::streams::{guid, request_id};
use crate::catalog::{self, SignInCode};
use crate::graph::{
    AuditActivityInitiator, DeviceDetail, DirectoryAudit, GeoCoordinates, NetworkLocationDetail,
    SignIn, SignInLocation, SignInStatus, TargetResource, Text, Timestamp, UserIdentity,
};
use crate::scenario::{App, ClientContext, NamedLocation};
use rand::Rng;
use std::net::IpAddr;
use std::sync::Arc;

/// Who signs in or resets: the identity fields every row of a user repeats.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Text,
    pub upn: Text,
    pub display_name: Text,
}

/// An app with its strings made once.
#[derive(Debug, Clone)]
pub struct AppTexts {
    pub id: Text,
    pub name: Text,
    pub resource_name: Text,
    pub resource_id: Text,
}

impl From<&App> for AppTexts {
    fn from(app: &App) -> Self {
        AppTexts {
            id: app.app_id.as_str().into(),
            name: app.display_name.as_str().into(),
            resource_name: app.resource_display_name.as_str().into(),
            resource_id: app.resource_id.as_str().into(),
        }
    }
}

/// A client context with its strings made once.
#[derive(Debug, Clone)]
pub struct ContextTexts {
    pub ip: Text,
    pub city: Text,
    pub state: Text,
    pub country: Text,
    pub os: Text,
    pub browser: Text,
    pub user_agent: Text,
    pub coordinates: GeoCoordinates,
    /// `deviceDetail` without `operatingSystem` and `browser` (those come from the fields above).
    pub device: DeviceTexts,
    /// The named locations the address lies in; set by [`Texts::locate`].
    pub network: Option<Arc<[NetworkLocationDetail]>>,
}

/// The device fields of `deviceDetail`: an unregistered device has empty ones.
#[derive(Debug, Clone)]
pub struct DeviceTexts {
    pub id: Text,
    pub name: Text,
    pub compliant: bool,
    pub managed: bool,
    pub trust_type: Text,
}

impl DeviceTexts {
    pub fn unregistered(empty: &Text) -> Self {
        DeviceTexts {
            id: empty.clone(),
            name: empty.clone(),
            compliant: false,
            managed: false,
            trust_type: empty.clone(),
        }
    }
}

impl From<&ClientContext> for ContextTexts {
    fn from(c: &ClientContext) -> Self {
        ContextTexts {
            ip: c.ip.as_str().into(),
            city: c.city.as_str().into(),
            state: c.state.as_str().into(),
            country: c.country.as_str().into(),
            os: c.os.as_str().into(),
            browser: c.browser.as_str().into(),
            user_agent: c
                .user_agent
                .clone()
                .unwrap_or_else(|| user_agent(&c.browser, &c.os))
                .into(),
            coordinates: GeoCoordinates {
                altitude: None,
                latitude: c.latitude,
                longitude: c.longitude,
            },
            device: match &c.device {
                Some(d) => DeviceTexts {
                    id: d.id.as_str().into(),
                    name: d.name.as_str().into(),
                    compliant: d.compliant,
                    managed: d.managed,
                    trust_type: d.trust.label().into(),
                },
                None => DeviceTexts::unregistered(&"".into()),
            },
            network: None,
        }
    }
}

/// The constant texts of sign-in and audit rows, made once per simulation.
pub struct Texts {
    tenant_id: Text,
    empty: Text,
    none: Text,
    browser: Text,
    not_applied: Text,
    codes: Vec<(i32, Text, Option<Text>)>,
    sspr_service: Text,
    user_management: Text,
    update: Text,
    success: Text,
    failure: Text,
    user_type: Text,
    beta: BetaTexts,
    named_locations: Vec<NamedLocation>,
}

impl Texts {
    pub fn new(tenant_id: &str, named_locations: &[NamedLocation]) -> Self {
        let codes = [0, 50126, 50053, 50140]
            .into_iter()
            .map(|code| {
                let entry: &SignInCode = catalog::sign_in_code(code);
                (
                    code,
                    Text::from(entry.failure_reason),
                    entry.additional_details.map(Text::from),
                )
            })
            .collect();
        Texts {
            tenant_id: tenant_id.into(),
            empty: "".into(),
            none: "none".into(),
            browser: "Browser".into(),
            not_applied: "notApplied".into(),
            codes,
            sspr_service: catalog::SSPR_SERVICE.into(),
            user_management: catalog::USER_MANAGEMENT.into(),
            update: catalog::OPERATION_UPDATE.into(),
            success: "success".into(),
            failure: "failure".into(),
            user_type: "User".into(),
            beta: BetaTexts::default(),
            named_locations: named_locations.to_vec(),
        }
    }

    /// `networkLocationDetails` for an address: one entry per network type, naming every
    /// named location the address lies in (UNSURE: how Entra groups several matches).
    pub fn network_details(&self, ip: IpAddr) -> Option<Arc<[NetworkLocationDetail]>> {
        let mut details: Vec<NetworkLocationDetail> = Vec::new();
        for location in &self.named_locations {
            if !location.ranges.iter().any(|r| r.contains(ip)) {
                continue;
            }
            let network_type = if location.trusted {
                "trustedNamedLocation"
            } else {
                "namedNetwork"
            };
            match details
                .iter_mut()
                .find(|d| d.network_type.as_deref() == Some(network_type))
            {
                Some(detail) => detail.network_names.push(location.name.as_str().into()),
                None => details.push(NetworkLocationDetail {
                    network_type: Some(network_type.into()),
                    network_names: vec![location.name.as_str().into()],
                }),
            }
        }
        (!details.is_empty()).then(|| Arc::from(details))
    }

    /// Sets the context's named locations from its address.
    pub fn locate(&self, context: &mut ContextTexts) {
        if !self.named_locations.is_empty() {
            context.network = context
                .ip
                .parse()
                .ok()
                .and_then(|ip| self.network_details(ip));
        }
    }

    fn status(&self, code: i32) -> SignInStatus {
        let (_, reason, details) = self
            .codes
            .iter()
            .find(|(c, _, _)| *c == code)
            .unwrap_or_else(|| panic!("sign-in code {code} has no texts"));
        SignInStatus {
            error_code: code,
            failure_reason: Some(reason.clone()),
            additional_details: details.clone(),
        }
    }

    /// One interactive browser sign-in row.
    #[allow(clippy::too_many_arguments)]
    pub fn sign_in(
        &self,
        rng: &mut impl Rng,
        time: Timestamp,
        code: i32,
        auth: RowAuth,
        actor: &Actor,
        app: &AppTexts,
        context: &ContextTexts,
        correlation: &Text,
    ) -> SignIn {
        let id = request_id(rng);
        let beta = self.beta.beta(
            auth,
            RowFacts {
                time,
                request_id: &id,
                interactive: true,
                network: &context.network,
            },
        );
        let device = &context.device;
        SignIn {
            id,
            created_date_time: time.truncate_to_seconds(),
            user_display_name: Some(actor.display_name.clone()),
            user_principal_name: Some(actor.upn.clone()),
            user_id: Some(actor.id.clone()),
            app_id: Some(app.id.clone()),
            app_display_name: Some(app.name.clone()),
            ip_address: Some(context.ip.clone()),
            client_app_used: Some(self.browser.clone()),
            correlation_id: Some(correlation.clone()),
            conditional_access_status: Some(self.not_applied.clone()),
            is_interactive: Some(true),
            risk_detail: Some(self.none.clone()),
            risk_level_aggregated: Some(self.none.clone()),
            risk_level_during_sign_in: Some(self.none.clone()),
            risk_state: Some(self.none.clone()),
            risk_event_types: Vec::new(),
            risk_event_types_v2: Vec::new(),
            resource_display_name: Some(app.resource_name.clone()),
            resource_id: Some(app.resource_id.clone()),
            status: self.status(code),
            device_detail: DeviceDetail {
                device_id: Some(device.id.clone()),
                display_name: Some(device.name.clone()),
                operating_system: Some(context.os.clone()),
                browser: Some(context.browser.clone()),
                is_compliant: Some(device.compliant),
                is_managed: Some(device.managed),
                trust_type: Some(device.trust_type.clone()),
            },
            location: SignInLocation {
                city: Some(context.city.clone()),
                state: Some(context.state.clone()),
                country_or_region: Some(context.country.clone()),
                geo_coordinates: context.coordinates,
            },
            applied_conditional_access_policies: Vec::new(),
            authentication_app_device_details: None,
            home_tenant_id: Some(self.tenant_id.clone()),
            resource_tenant_id: Some(self.tenant_id.clone()),
            service_principal_id: Some(self.empty.clone()),
            service_principal_name: Some(self.empty.clone()),
            user_agent: Some(context.user_agent.clone()),
            beta,
            unknown: Default::default(),
        }
    }

    /// One SSPR audit row: the user initiates it and is its target (reference lab).
    #[allow(clippy::too_many_arguments)]
    pub fn sspr_audit(
        &self,
        rng: &mut impl Rng,
        time: Timestamp,
        actor: &Actor,
        ip: &Text,
        correlation: &Text,
        activity: &'static str,
        success: bool,
        reason: &'static str,
    ) -> DirectoryAudit {
        DirectoryAudit {
            id: sspr_audit_id(rng),
            category: Some(self.user_management.clone()),
            correlation_id: Some(correlation.clone()),
            result: Some(if success {
                self.success.clone()
            } else {
                self.failure.clone()
            }),
            result_reason: Some(reason.into()),
            activity_display_name: Some(activity.into()),
            activity_date_time: time,
            logged_by_service: Some(self.sspr_service.clone()),
            operation_type: Some(self.update.clone()),
            initiated_by: AuditActivityInitiator {
                app: None,
                user: Some(UserIdentity {
                    id: Some(actor.id.clone()),
                    display_name: None,
                    user_principal_name: Some(actor.upn.clone()),
                    ip_address: Some(ip.clone()),
                    user_type: None,
                    home_tenant_id: None,
                    home_tenant_name: None,
                    other: Default::default(),
                }),
            },
            target_resources: vec![TargetResource {
                id: Some(actor.id.clone()),
                display_name: Some(actor.display_name.clone()),
                resource_type: Some(self.user_type.clone()),
                user_principal_name: Some(actor.upn.clone()),
                group_type: None,
                modified_properties: Vec::new(),
                other: Default::default(),
            }],
            additional_details: Vec::new(),
            unknown: Default::default(),
        }
    }
}

/// SSPR audit ids start with `SSPR_` (reference lab; the rest was redacted). The rest follows
/// the one unredacted self-service id in the reference, `SSGM_<guid>_<5 chars>_<number>`.
fn sspr_audit_id(rng: &mut impl Rng) -> Text {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let middle: String = (0..5)
        .map(|_| ALNUM[rng.random_range(0..ALNUM.len())] as char)
        .collect();
    let number: u32 = rng.random_range(10_000_000..100_000_000);
    format!("SSPR_{}_{middle}_{number}", guid(rng)).into()
}

/// A plausible user agent for a browser and OS as the sign-in log names them
/// (`Firefox 136.0`, `Windows10`).
pub fn user_agent(browser: &str, os: &str) -> String {
    let (name, version) = browser.split_once(' ').unwrap_or((browser, "0.0"));
    let major = version.split('.').next().unwrap_or("0");
    let platform = match os.to_ascii_lowercase() {
        o if o.starts_with("mac") => "Macintosh; Intel Mac OS X 10_15_7",
        o if o.starts_with("ios") => "iPhone; CPU iPhone OS 18_2 like Mac OS X",
        o if o.starts_with("android") => "Linux; Android 14",
        o if o.starts_with("linux") => "X11; Linux x86_64",
        _ => "Windows NT 10.0; Win64; x64",
    };
    match name.to_ascii_lowercase().as_str() {
        "firefox" => {
            format!("Mozilla/5.0 ({platform}; rv:{major}.0) Gecko/20100101 Firefox/{major}.0")
        }
        "chrome" => format!(
            "Mozilla/5.0 ({platform}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 Safari/537.36"
        ),
        "safari" => format!(
            "Mozilla/5.0 ({platform}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{major}.0 Safari/605.1.15"
        ),
        _ => format!(
            "Mozilla/5.0 ({platform}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.0.0 Safari/537.36 Edg/{major}.0.0.0"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_follow_the_browser() {
        assert_eq!(
            user_agent("Firefox 136.0", "Windows10"),
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:136.0) Gecko/20100101 Firefox/136.0"
        );
        assert!(user_agent("Edge 134.0.0", "Windows10").ends_with("Edg/134.0.0.0"));
        assert!(user_agent("Safari 18.2", "MacOs").contains("Macintosh"));
    }

    #[test]
    fn sspr_ids_start_with_the_prefix() {
        let mut rng =
            super::super::streams::Streams::new(1).rng(super::super::streams::Purpose::Step, 0, 0);
        let id = sspr_audit_id(&mut rng);
        assert!(id.starts_with("SSPR_"));
        assert_eq!(id.split('_').count(), 4);
    }
}
