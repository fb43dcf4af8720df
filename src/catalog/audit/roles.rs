//! Built-in directory role templates by their real ids (DOC: "Microsoft Entra built-in roles",
//! permissions-reference; the ids are the same in every tenant).
//!
//! `well_known` is what `Role.WellKnownObjectName` holds: the four SENTINEL
//! UseraddedtoPrivilgedGroups.kql compares (`TenantAdmins`, `PrivilegedRoleAdmins`,
//! `UserAccountAdmins`, `PrivilegedAuthenticationAdmins`) are facts; the others are UNSURE
//! and written as an empty string (the named default `NO_WELL_KNOWN_NAME`).

/// `Role.WellKnownObjectName` of a role without a known legacy name (UNSURE).
pub const NO_WELL_KNOWN_NAME: &str = "";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleTemplate {
    pub display_name: &'static str,
    pub template_id: &'static str,
    pub well_known: &'static str,
    /// Counted as privileged by Microsoft's "privileged" label in the built-in roles list.
    pub privileged: bool,
}

const fn role(
    display_name: &'static str,
    template_id: &'static str,
    well_known: &'static str,
    privileged: bool,
) -> RoleTemplate {
    RoleTemplate {
        display_name,
        template_id,
        well_known,
        privileged,
    }
}

pub const ROLE_TEMPLATES: &[RoleTemplate] = &[
    role(
        "Global Administrator",
        "62e90394-69f5-4237-9190-012177145e10",
        "TenantAdmins",
        true,
    ),
    role(
        "Privileged Role Administrator",
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "PrivilegedRoleAdmins",
        true,
    ),
    role(
        "User Administrator",
        "fe930be7-5e62-47db-91af-98c3a49a38b1",
        "UserAccountAdmins",
        true,
    ),
    role(
        "Privileged Authentication Administrator",
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
        "PrivilegedAuthenticationAdmins",
        true,
    ),
    role(
        "Helpdesk Administrator",
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        NO_WELL_KNOWN_NAME,
        true,
    ),
    role(
        "Authentication Administrator",
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",
        NO_WELL_KNOWN_NAME,
        true,
    ),
    role(
        "Security Administrator",
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
        NO_WELL_KNOWN_NAME,
        true,
    ),
    role(
        "Application Administrator",
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        NO_WELL_KNOWN_NAME,
        true,
    ),
    role(
        "Cloud Application Administrator",
        "158c047a-c907-4556-b7ef-446551a6b5f7",
        NO_WELL_KNOWN_NAME,
        true,
    ),
    role(
        "Conditional Access Administrator",
        "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
        NO_WELL_KNOWN_NAME,
        true,
    ),
    role(
        "Hybrid Identity Administrator",
        "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",
        NO_WELL_KNOWN_NAME,
        true,
    ),
    role(
        "Intune Administrator",
        "3a2c62db-5318-420d-8d74-23affee5d9d5",
        NO_WELL_KNOWN_NAME,
        true,
    ),
    role(
        "Cloud Device Administrator",
        "7698a772-787b-4ac8-901f-60d6b08affd2",
        NO_WELL_KNOWN_NAME,
        true,
    ),
    role(
        "Exchange Administrator",
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
        NO_WELL_KNOWN_NAME,
        false,
    ),
    role(
        "SharePoint Administrator",
        "f28a1f50-f6e7-4571-818b-6a12f2af6b8c",
        NO_WELL_KNOWN_NAME,
        false,
    ),
    role(
        "Groups Administrator",
        "fdd7a751-b60b-444a-984c-02652fe8fa1c",
        NO_WELL_KNOWN_NAME,
        false,
    ),
    role(
        "Billing Administrator",
        "b0f54661-2d74-4c50-afa3-1ec803f12efe",
        NO_WELL_KNOWN_NAME,
        false,
    ),
    role(
        "Global Reader",
        "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
        NO_WELL_KNOWN_NAME,
        true,
    ),
    role(
        "Security Reader",
        "5d6b6bb7-de71-4623-b4af-96380a352509",
        NO_WELL_KNOWN_NAME,
        true,
    ),
    role(
        "Reports Reader",
        "4a5d8f65-41da-4de4-8968-e035b65339cf",
        NO_WELL_KNOWN_NAME,
        false,
    ),
    role(
        "Directory Readers",
        "88d8e3e3-8f55-4a1e-953a-9b9898b8876b",
        NO_WELL_KNOWN_NAME,
        false,
    ),
];

/// The role a scenario names, by display name (any case) or template id.
pub fn find_role(name_or_id: &str) -> Option<&'static RoleTemplate> {
    let wanted = name_or_id.trim();
    ROLE_TEMPLATES.iter().find(|r| {
        r.display_name.eq_ignore_ascii_case(wanted) || r.template_id.eq_ignore_ascii_case(wanted)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_found_by_name_or_template_id() {
        let ga = find_role("global administrator").unwrap();
        assert_eq!(ga.template_id, "62e90394-69f5-4237-9190-012177145e10");
        assert_eq!(ga.well_known, "TenantAdmins");
        assert_eq!(
            find_role("7698A772-787B-4AC8-901F-60D6B08AFFD2").map(|r| r.display_name),
            Some("Cloud Device Administrator")
        );
        assert!(find_role("Galactic Administrator").is_none());
    }

    #[test]
    fn template_ids_are_unique_guids() {
        for (i, r) in ROLE_TEMPLATES.iter().enumerate() {
            assert_eq!(r.template_id.len(), 36, "{}", r.display_name);
            assert!(
                ROLE_TEMPLATES[i + 1..]
                    .iter()
                    .all(|o| o.template_id != r.template_id)
            );
        }
    }
}
