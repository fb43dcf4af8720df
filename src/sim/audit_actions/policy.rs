//! Tenant policy and directory settings: Conditional Access policies, domains and
//! federation, company information, device registration, risk and MFA registration, and
//! cross-tenant access partners.

use super::{ObjectRef, PropertyChange, changes_as_properties, object_target, spec};
use crate::catalog::audit::TargetKind;
use crate::sim::audit_records::{AuditActor, AuditTarget, RowSpec, shape};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaChange {
    Add,
    Update,
    Delete,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PolicyAction {
    /// `old`/`new`: the policy's JSON (absent on add / delete respectively).
    ConditionalAccess {
        change: CaChange,
        policy: ObjectRef,
        old: Option<String>,
        new: Option<String>,
    },
    /// The domain becomes federated with `issuer_uri`.
    Federation {
        domain: String,
        issuer_uri: String,
        passive_sign_in_uri: String,
    },
    AddDomain {
        domain: String,
    },
    /// Verification writes `Verify domain` and `Add verified domain`.
    VerifyDomain {
        domain: String,
    },
    CompanyInformation {
        tenant: ObjectRef,
        changes: Vec<PropertyChange>,
    },
    DeviceRegistration {
        changes: Vec<PropertyChange>,
    },
    RiskAndMfaRegistration {
        changes: Vec<PropertyChange>,
    },
    CrossTenantPartner {
        add: bool,
        tenant_id: String,
    },
}

impl PolicyAction {
    pub(super) fn rows(&self, actor: &AuditActor) -> Vec<RowSpec> {
        match self {
            PolicyAction::ConditionalAccess {
                change,
                policy,
                old,
                new,
            } => {
                let key = match change {
                    CaChange::Add => "add_conditional_access_policy",
                    CaChange::Update => "update_conditional_access_policy",
                    CaChange::Delete => "delete_conditional_access_policy",
                };
                let target = object_target(TargetKind::Policy, policy).with(vec![shape::prop(
                    "ConditionalAccessPolicy",
                    old.clone(),
                    new.clone(),
                )]);
                vec![spec(key, actor, vec![target])]
            }
            PolicyAction::Federation {
                domain,
                issuer_uri,
                passive_sign_in_uri,
            } => {
                let props = vec![
                    shape::prop(
                        "IssuerUri",
                        Some("[]".into()),
                        Some(shape::list(issuer_uri)),
                    ),
                    shape::prop(
                        "LiveType",
                        Some(shape::list("Managed")),
                        Some(shape::list("Federated")),
                    ),
                    shape::prop(
                        "PassiveSignInUri",
                        Some("[]".into()),
                        Some(shape::list(passive_sign_in_uri)),
                    ),
                ];
                vec![spec(
                    "set_federation_settings",
                    actor,
                    vec![domain_target(domain).with(props)],
                )]
            }
            PolicyAction::AddDomain { domain } => {
                vec![spec(
                    "add_unverified_domain",
                    actor,
                    vec![domain_target(domain)],
                )]
            }
            PolicyAction::VerifyDomain { domain } => vec![
                spec("verify_domain", actor, vec![domain_target(domain)]),
                spec("add_verified_domain", actor, vec![domain_target(domain)]),
            ],
            PolicyAction::CompanyInformation { tenant, changes } => vec![spec(
                "set_company_information",
                actor,
                vec![
                    object_target(TargetKind::Directory, tenant)
                        .with(changes_as_properties(changes)),
                ],
            )],
            PolicyAction::DeviceRegistration { changes } => vec![spec(
                "set_device_registration_policies",
                actor,
                vec![
                    policy_target("deviceRegistrationPolicy", "Device Registration Policy")
                        .with(changes_as_properties(changes)),
                ],
            )],
            PolicyAction::RiskAndMfaRegistration { changes } => vec![spec(
                "update_user_risk_and_mfa_registration_policy",
                actor,
                vec![
                    policy_target(
                        "userRiskAndMfaRegistrationPolicy",
                        "User Risk and MFA Registration Policy",
                    )
                    .with(changes_as_properties(changes)),
                ],
            )],
            PolicyAction::CrossTenantPartner { add, tenant_id } => {
                let (key, props) = if *add {
                    (
                        "add_cross_tenant_partner",
                        vec![shape::prop(
                            "tenantId",
                            None,
                            Some(shape::string(tenant_id)),
                        )],
                    )
                } else {
                    (
                        "update_cross_tenant_partner",
                        vec![shape::prop(
                            "tenantId",
                            Some(shape::string(tenant_id)),
                            Some(shape::string(tenant_id)),
                        )],
                    )
                };
                vec![spec(
                    key,
                    actor,
                    vec![policy_target(tenant_id, "crossTenantAccessPolicy").with(props)],
                )]
            }
        }
    }
}

/// Domains are `Directory` targets named by the domain (SENTINEL NewOnmicrosoftDomainAdded.kql
/// reads `TargetResources[0].displayName`); the id is the domain too (UNSURE).
fn domain_target(domain: &str) -> AuditTarget {
    AuditTarget::new(TargetKind::Directory, domain, Some(domain.into()))
}

fn policy_target(id: &str, name: &str) -> AuditTarget {
    AuditTarget::new(TargetKind::Policy, id, Some(name.into()))
}

#[cfg(test)]
mod tests {
    use super::super::DirectoryAction;
    use super::super::test_support::*;
    use super::*;

    fn write_policy(action: PolicyAction) -> Vec<crate::graph::DirectoryAudit> {
        write(DirectoryAction::Policy(action))
    }

    #[test]
    fn a_deleted_ca_policy_keeps_the_old_json() {
        let rows = write_policy(PolicyAction::ConditionalAccess {
            change: CaChange::Delete,
            policy: ObjectRef {
                id: "0f0e0d0c-0000-4000-8000-000000000001".into(),
                display_name: "Require MFA for admins".into(),
            },
            old: Some(r#"{"state":"enabled"}"#.into()),
            new: None,
        });
        assert_eq!(names(&rows), ["Delete conditional access policy"]);
        assert_eq!(
            rows[0].logged_by_service.as_deref(),
            Some("Conditional Access")
        );
        assert_eq!(rows[0].category.as_deref(), Some("Policy"));
        assert!(rows[0].id.starts_with("IPCGraph_"));
        assert_eq!(
            props(&rows[0], 0)[0],
            (
                "ConditionalAccessPolicy".into(),
                Some(r#"{"state":"enabled"}"#.into()),
                None
            )
        );
    }

    #[test]
    fn domains_and_federation() {
        let rows = write_policy(PolicyAction::Federation {
            domain: "contoso.example".into(),
            issuer_uri: "http://evil.example/adfs/services/trust".into(),
            passive_sign_in_uri: "https://evil.example/adfs/ls".into(),
        });
        assert_eq!(names(&rows), ["Set federation settings on domain"]);
        assert_eq!(rows[0].category.as_deref(), Some("DirectoryManagement"));
        assert_eq!(props(&rows[0], 0)[1].2.as_deref(), Some(r#"["Federated"]"#));
        let rows = write_policy(PolicyAction::VerifyDomain {
            domain: "x.example".into(),
        });
        assert_eq!(names(&rows), ["Verify domain", "Add verified domain"]);
        assert_eq!(
            names(&write_policy(PolicyAction::AddDomain {
                domain: "x.example".into()
            })),
            ["Add unverified domain"]
        );
    }

    #[test]
    fn tenant_settings_rows() {
        let change = vec![PropertyChange {
            name: "TrustedCAsForPasswordlessAuth".into(),
            old: None,
            new: Some("CN=Rogue Root".into()),
        }];
        let tenant = ObjectRef {
            id: "9c1b7d2e-0000-4000-8000-000000000009".into(),
            display_name: "Contoso".into(),
        };
        let rows = write_policy(PolicyAction::CompanyInformation {
            tenant,
            changes: change.clone(),
        });
        assert_eq!(names(&rows), ["Set Company Information"]);
        assert!(
            props(&rows[0], 0)[0]
                .2
                .as_deref()
                .unwrap()
                .contains("Rogue Root")
        );
        let rows = write_policy(PolicyAction::DeviceRegistration {
            changes: change.clone(),
        });
        assert_eq!(rows[0].category.as_deref(), Some("Policy"));
        let rows = write_policy(PolicyAction::RiskAndMfaRegistration { changes: change });
        assert_eq!(
            rows[0].logged_by_service.as_deref(),
            Some("AAD Management UX")
        );
        let rows = write_policy(PolicyAction::CrossTenantPartner {
            add: true,
            tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
        });
        assert_eq!(
            names(&rows),
            ["Add a partner to cross-tenant access setting"]
        );
        assert_eq!(
            props(&rows[0], 0)[0].2.as_deref(),
            Some(r#""72f988bf-86f1-41af-91ab-2d7cd011db47""#)
        );
    }
}
