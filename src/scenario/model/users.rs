//! Users, the apps they sign in to, and where and with what they sign in (contexts, devices).

/// An app users sign in to.
#[derive(Debug, Clone, PartialEq)]
pub struct App {
    pub display_name: String,
    pub app_id: String,
    pub resource_display_name: String,
    pub resource_id: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// The name steps refer to the user by.
    pub key: String,
    pub upn: String,
    pub display_name: String,
    pub password: String,
    pub home: ClientContext,
    pub familiar: Vec<ClientContext>,
    /// `accountEnabled`: a disabled account gets 50057 on every attempt.
    pub enabled: bool,
    /// The MFA method the user must use after the right password, if any.
    pub mfa: Option<MfaMethod>,
}

/// How a user does MFA; names the method in notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfaMethod {
    Push,
    Sms,
    PhoneCall,
    Oath,
}

impl MfaMethod {
    pub fn label(self) -> &'static str {
        match self {
            MfaMethod::Push => "Mobile app notification",
            MfaMethod::Sms => "Text message",
            MfaMethod::PhoneCall => "Phone call",
            MfaMethod::Oath => "OATH verification code",
        }
    }
}

/// What the user does with MFA prompts in one sign-in: deny some, ignore some, then approve
/// the last one or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MfaResponse {
    pub deny: u32,
    pub ignore: u32,
    pub approve: bool,
}

impl MfaResponse {
    pub const APPROVE: MfaResponse = MfaResponse {
        deny: 0,
        ignore: 0,
        approve: true,
    };
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClientContext {
    pub ip: String,
    pub city: String,
    pub state: String,
    pub country: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub os: String,
    pub browser: String,
    pub user_agent: Option<String>,
    /// The registered device; `None`: an unregistered (personal) device.
    pub device: Option<Device>,
}

/// A device known to Entra ID.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    pub id: String,
    pub name: String,
    pub trust: TrustType,
    pub compliant: bool,
    pub managed: bool,
}

/// `deviceDetail.trustType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustType {
    EntraJoined,
    HybridJoined,
    Registered,
}

impl TrustType {
    /// The text sign-in rows carry (reference entra-behavior.md 4.7).
    pub fn label(self) -> &'static str {
        match self {
            TrustType::EntraJoined => "Azure AD joined",
            TrustType::HybridJoined => "Hybrid Azure AD joined",
            TrustType::Registered => "Azure AD registered",
        }
    }

    /// Joined devices are managed and compliant unless the scenario says otherwise;
    /// registered (personal) ones are neither.
    pub fn managed_by_default(self) -> bool {
        self != TrustType::Registered
    }
}
