//! First-party applications users sign in to, with their real app ids and the resource their
//! sign-in rows name.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstPartyApp {
    pub display_name: &'static str,
    pub app_id: &'static str,
    pub resource_display_name: &'static str,
    pub resource_id: &'static str,
}

const GRAPH: (&str, &str) = ("Microsoft Graph", "00000003-0000-0000-c000-000000000000");
const AZURE_MANAGEMENT: (&str, &str) = (
    "Windows Azure Service Management API",
    "797f4846-ba00-4fd7-ba43-dac1f8f63013",
);

const fn app(
    name: &'static str,
    id: &'static str,
    resource: (&'static str, &'static str),
) -> FirstPartyApp {
    FirstPartyApp {
        display_name: name,
        app_id: id,
        resource_display_name: resource.0,
        resource_id: resource.1,
    }
}

pub const FIRST_PARTY_APPS: &[FirstPartyApp] = &[
    // The lab's OfficeHome rows name OfficeHome itself as the resource.
    app(
        "OfficeHome",
        "4765445b-32c6-49b0-83e6-1d93765276ca",
        ("OfficeHome", "4765445b-32c6-49b0-83e6-1d93765276ca"),
    ),
    app(
        "Azure Portal",
        "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
        AZURE_MANAGEMENT,
    ),
    app(
        "Microsoft Azure CLI",
        "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        AZURE_MANAGEMENT,
    ),
    app(
        "Microsoft Azure PowerShell",
        "1950a258-227b-4e31-a9cf-717495945fc2",
        AZURE_MANAGEMENT,
    ),
    app(
        "Microsoft Office",
        "d3590ed6-52b3-4102-aeff-aad2292ab01c",
        (
            "Office 365 Exchange Online",
            "00000002-0000-0ff1-ce00-000000000000",
        ),
    ),
    app(
        "Microsoft Teams",
        "1fec8e78-bce4-4aaf-ab1b-5451cc387264",
        (
            "Microsoft Teams Services",
            "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe",
        ),
    ),
    app(
        "Office 365 Exchange Online",
        "00000002-0000-0ff1-ce00-000000000000",
        (
            "Office 365 Exchange Online",
            "00000002-0000-0ff1-ce00-000000000000",
        ),
    ),
    app(
        "Graph Explorer",
        "de8bc8b5-d9f9-48b1-a8ad-b748da725064",
        GRAPH,
    ),
    app(
        "Microsoft Graph Command Line Tools",
        "14d82eec-204b-4c2f-b7e8-296a70dab67e",
        GRAPH,
    ),
    app(
        "Outlook Mobile",
        "27922004-5251-4030-b22d-91ecd9a37ea4",
        GRAPH,
    ),
    app(
        "OneDrive SyncEngine",
        "ab9b8c07-8f02-4f72-87fa-80105867a763",
        (
            "Office 365 SharePoint Online",
            "00000003-0000-0ff1-ce00-000000000000",
        ),
    ),
];

/// Finds a first-party app by display name, ignoring case.
pub fn find_first_party_app(name: &str) -> Option<&'static FirstPartyApp> {
    FIRST_PARTY_APPS
        .iter()
        .find(|a| a.display_name.eq_ignore_ascii_case(name))
}
