//! What `entralab explain` says about each ID Protection risk detection type: what it means
//! and, for the types entralab raises from what a scenario does, what raises it and the
//! scenario keys that change it. Kept apart from `risk` (the facts the simulator uses) as
//! `teaching` is from the sign-in codes; a test checks every catalogue type has its text.

/// The teaching text of one `riskEventType`.
#[derive(Debug, Clone, Copy)]
pub struct RiskText {
    /// `riskEventType`, as in `risk::RISK_TYPES`.
    pub name: &'static str,
    /// What the detection says happened.
    pub meaning: &'static str,
    /// What in a scenario's behaviour raises it; `None` when only an explicit
    /// `risk_detection` step does.
    pub raised_by: Option<&'static str>,
    /// Scenario keys that decide it (with `raised_by`).
    pub knobs: &'static [&'static str],
}

const fn declared(name: &'static str, meaning: &'static str) -> RiskText {
    RiskText {
        name,
        meaning,
        raised_by: None,
        knobs: &[],
    }
}

/// Every documented type, in `RISK_TYPES` order.
pub const RISK_TEXTS: &[RiskText] = &[
    RiskText {
        name: "anonymizedIPAddress",
        meaning: "the sign-in came through an address that hides where the client really is, \
                  such as a Tor exit node or an anonymizing VPN",
        raised_by: Some(
            "a sign-in with the right password from an address inside a declared anonymizer \
             range",
        ),
        knobs: &[
            "tenant.identity_protection.threat_intel.anonymizers",
            "sign_in.client.ip",
        ],
    },
    RiskText {
        name: "unfamiliarFeatures",
        meaning: "the sign-in does not look like the user's earlier ones: it comes from \
                  properties (address, place, browser) the user has not been seen with",
        raised_by: Some(
            "a sign-in with the right password from an address never seen for the user, \
             whose country or browser was not seen either. Seen means the user's home and \
             familiar contexts and every earlier sign-in with the right password that raised \
             nothing (a sign-in with a detection does not make its properties familiar)",
        ),
        knobs: &[
            "users[].home",
            "users[].familiar",
            "sign_in.client.ip",
            "sign_in.client.country",
            "sign_in.client.browser",
        ],
    },
    declared(
        "nationStateIP",
        "the sign-in came from an address Microsoft's threat intelligence ties to a known \
         nation-state or other tracked threat actor",
    ),
    RiskText {
        name: "unlikelyTravel",
        meaning: "two sign-ins of one user from places so far apart that nobody could have \
                  travelled between them in the time that separates them",
        raised_by: Some(
            "a sign-in with the right password at least 500 km (entralab's named default) \
             from the user's previous sign-in with the right password, reached faster than the tenant's \
             travel speed (500 km/h unless set). Both sign-ins need coordinates",
        ),
        knobs: &[
            "tenant.identity_protection.travel_speed_kmh",
            "sign_in.client.latitude",
            "sign_in.client.longitude",
            "users[].home.latitude",
            "users[].home.longitude",
        ],
    },
    RiskText {
        name: "maliciousIPAddress",
        meaning: "the sign-in came from an address known for malicious activity",
        raised_by: Some(
            "a sign-in with the right password from an address inside a declared malicious \
             range",
        ),
        knobs: &[
            "tenant.identity_protection.threat_intel.malicious",
            "sign_in.client.ip",
        ],
    },
    declared(
        "riskyIPAddress",
        "Microsoft Defender for Cloud Apps saw the user active from an address it knows as \
         an anonymous proxy",
    ),
    RiskText {
        name: "newCountry",
        meaning: "the user was active from a country neither they nor their organisation \
                  have been seen in lately (a Defender for Cloud Apps detection)",
        raised_by: Some(
            "a sign-in with the right password from a country never seen for the user (seen \
             as for unfamiliarFeatures: home, familiar contexts, earlier sign-ins that raised \
             nothing)",
        ),
        knobs: &[
            "users[].home.country",
            "users[].familiar",
            "sign_in.client.country",
        ],
    },
    declared(
        "suspiciousBrowser",
        "the browser behaves suspiciously, for instance signing in to many tenants or from \
         many countries in a short time",
    ),
    declared(
        "tokenIssuerAnomaly",
        "the token issuer of a federated domain issued a token with unusual properties, a \
         sign that the issuer (AD FS or another SAML provider) may be compromised",
    ),
    declared(
        "mcasImpossibleTravel",
        "Microsoft Defender for Cloud Apps saw one user active from places too far apart \
         for the time between them (the Defender counterpart of atypical travel)",
    ),
    declared(
        "mcasSuspiciousInboxManipulationRules",
        "inbox rules that delete or move messages were set on the user's mailbox, as an \
         attacker hiding their traces would (a Defender for Cloud Apps detection)",
    ),
    declared(
        "suspiciousInboxForwarding",
        "an inbox rule forwards the user's mail to an outside address (a Defender for Cloud \
         Apps detection)",
    ),
    RiskText {
        name: "passwordSpray",
        meaning: "the user's password was guessed in a password spray: a few common passwords \
                  tried against many accounts",
        raised_by: Some(
            "a spray step that validated this user's password; a spray that only fails \
             raises nothing",
        ),
        knobs: &["spray.users", "spray.population", "spray.passwords"],
    },
    declared(
        "anomalousToken",
        "a token with unusual characteristics, such as an odd lifetime or one played from an \
         unfamiliar place, which suggests a stolen and replayed token",
    ),
    declared(
        "investigationsThreatIntelligence",
        "the sign-in matches a pattern Microsoft's threat intelligence knows from attacks",
    ),
    declared(
        "leakedCredentials",
        "the user's valid user name and password were found where they should not be, such \
         as a public paste or a dark-web dump",
    ),
    declared(
        "anomalousUserActivity",
        "the user made directory changes unlike their usual activity, such as an unusual \
         number of them",
    ),
    declared(
        "attackerinTheMiddle",
        "an attacker's proxy sat between the user and Entra during sign-in (adversary in the \
         middle phishing) and may hold the session it relayed",
    ),
    declared(
        "attemptedPrtAccess",
        "something on the user's device tried to read its Primary Refresh Token, the key to \
         the user's single sign-on (a Defender for Endpoint signal)",
    ),
    declared(
        "suspiciousAPITraffic",
        "an unusual volume or pattern of Graph or directory calls by the user, as \
         reconnaissance would make",
    ),
    declared(
        "suspiciousSendingPatterns",
        "the user's mailbox sent mail in a way unlike its usual sending (a Defender for \
         Cloud Apps detection)",
    ),
    declared(
        "userReportedSuspiciousActivity",
        "the user denied an MFA prompt they did not start and reported it as suspicious",
    ),
    RiskText {
        name: "adminConfirmedUserCompromised",
        meaning: "an administrator confirmed in ID Protection that the user is compromised",
        raised_by: Some(
            "a risky_user step with `action: confirm_compromised`; it also sets the user's \
             risk to high (confirmedCompromised)",
        ),
        knobs: &["risky_user.action: confirm_compromised", "risky_user.users"],
    },
];

/// The text of `name` (exact catalogue spelling).
pub fn risk_text(name: &str) -> Option<&'static RiskText> {
    RISK_TEXTS.iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::risk::RISK_TYPES;

    #[test]
    fn every_risk_type_has_its_text_and_no_other() {
        let names: Vec<&str> = RISK_TEXTS.iter().map(|t| t.name).collect();
        let types: Vec<&str> = RISK_TYPES.iter().map(|r| r.name).collect();
        assert_eq!(names, types, "one text per type, in catalogue order");
        for text in RISK_TEXTS {
            assert!(text.meaning.len() > 30, "{}", text.name);
            assert_eq!(
                text.raised_by.is_some(),
                !text.knobs.is_empty(),
                "{}",
                text.name
            );
        }
    }
}
