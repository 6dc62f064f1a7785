//! Roles and permissions (SPEC 2): the one policy function every route asks.

use crate::domain::invalid::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkspaceKind {
    Tsp,
    Isv,
    Acqp,
    Merchant,
}

impl WorkspaceKind {
    pub const ALL: [WorkspaceKind; 4] = [Self::Tsp, Self::Isv, Self::Acqp, Self::Merchant];

    pub fn parse(raw: &str) -> Result<WorkspaceKind, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw)
            .ok_or_else(|| {
                Invalid::new(
                    "unknown_kind",
                    "kind must be one of: tsp, isv, acqp, merchant.",
                )
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tsp => "tsp",
            Self::Isv => "isv",
            Self::Acqp => "acqp",
            Self::Merchant => "merchant",
        }
    }

    /// Developer organisations build applications; grantors authorize them.
    pub fn is_developer(self) -> bool {
        matches!(self, Self::Tsp | Self::Isv)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Owner,
    DeveloperAdmin,
    Developer,
    MerchantOnboarding,
    Admin,
    Member,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Self::Owner,
        Self::DeveloperAdmin,
        Self::Developer,
        Self::MerchantOnboarding,
        Self::Admin,
        Self::Member,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::DeveloperAdmin => "developer_admin",
            Self::Developer => "developer",
            Self::MerchantOnboarding => "merchant_onboarding",
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }

    pub fn from_db(raw: &str) -> Option<Role> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }

    /// A role of the workspace kind's family.
    pub fn parse_for(raw: &str, kind: WorkspaceKind) -> Result<Role, Invalid> {
        let allowed = Self::for_kind(kind);
        Self::from_db(raw)
            .filter(|r| allowed.contains(r))
            .ok_or_else(|| {
                let names: Vec<&str> = allowed.iter().map(|r| r.as_str()).collect();
                Invalid::new(
                    "unknown_role",
                    format!(
                        "In a {} workspace, role must be one of: {}.",
                        kind.as_str(),
                        names.join(", ")
                    ),
                )
            })
    }

    pub fn for_kind(kind: WorkspaceKind) -> &'static [Role] {
        if kind.is_developer() {
            &[
                Self::Owner,
                Self::DeveloperAdmin,
                Self::Developer,
                Self::MerchantOnboarding,
            ]
        } else {
            &[Self::Owner, Self::Admin, Self::Member]
        }
    }
}

/// Everything a workspace member may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    WorkspaceView,
    AppView,
    AppWrite,
    AppLaunchDelete,
    AppProducts,
    SandboxDevelop,
    ProductionConfigure,
    AuthorizationManage,
    MerchantsManage,
    MembersManage,
    AuditView,
    AuthorizationGrant,
}

impl Permission {
    pub const ALL: [Permission; 12] = [
        Self::WorkspaceView,
        Self::AppView,
        Self::AppWrite,
        Self::AppLaunchDelete,
        Self::AppProducts,
        Self::SandboxDevelop,
        Self::ProductionConfigure,
        Self::AuthorizationManage,
        Self::MerchantsManage,
        Self::MembersManage,
        Self::AuditView,
        Self::AuthorizationGrant,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::WorkspaceView => "workspace.view",
            Self::AppView => "app.view",
            Self::AppWrite => "app.write",
            Self::AppLaunchDelete => "app.launch_delete",
            Self::AppProducts => "app.products",
            Self::SandboxDevelop => "sandbox.develop",
            Self::ProductionConfigure => "production.configure",
            Self::AuthorizationManage => "authorization.manage",
            Self::MerchantsManage => "merchants.manage",
            Self::MembersManage => "members.manage",
            Self::AuditView => "audit.view",
            Self::AuthorizationGrant => "authorization.grant",
        }
    }
}

/// The policy: may `role`, in a workspace of `kind`, do `permission`? (SPEC 2's table.)
pub fn allows(kind: WorkspaceKind, role: Role, permission: Permission) -> bool {
    use Permission as P;
    use Role as R;
    if permission == P::WorkspaceView {
        return Role::for_kind(kind).contains(&role);
    }
    if kind.is_developer() {
        match permission {
            P::AppView => matches!(
                role,
                R::Owner | R::DeveloperAdmin | R::Developer | R::MerchantOnboarding
            ),
            P::AppWrite | P::AppProducts | P::SandboxDevelop => {
                matches!(role, R::Owner | R::DeveloperAdmin | R::Developer)
            }
            P::AppLaunchDelete | P::ProductionConfigure | P::AuthorizationManage | P::AuditView => {
                matches!(role, R::Owner | R::DeveloperAdmin)
            }
            P::MerchantsManage => {
                matches!(role, R::Owner | R::DeveloperAdmin | R::MerchantOnboarding)
            }
            P::MembersManage => role == R::Owner,
            P::AuthorizationGrant | P::WorkspaceView => false,
        }
    } else {
        match permission {
            P::AuthorizationGrant | P::AuditView => matches!(role, R::Owner | R::Admin),
            P::MembersManage => role == R::Owner,
            _ => false,
        }
    }
}

/// The permissions of a role, as `GET /v1/me` lists them (sorted).
pub fn permissions_of(kind: WorkspaceKind, role: Role) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Permission::ALL
        .into_iter()
        .filter(|p| allows(kind, role, *p))
        .map(Permission::as_str)
        .collect();
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission as P;
    use Role as R;

    /// SPEC 2's table (and the README's choices for the permissions it does not name), one
    /// row per permission. The roles: Owner, Developer Admin, Developer, Merchant Onboarding
    /// in a developer workspace (tsp, isv); Owner, Admin, Member in a grantor workspace
    /// (acqp, merchant). An exhaustive match, so a new permission does not compile without
    /// its row.
    fn spec_row(p: Permission) -> ([bool; 4], [bool; 3]) {
        const NONE: [bool; 3] = [false, false, false];
        match p {
            P::WorkspaceView => ([true, true, true, true], [true, true, true]),
            P::AppView => ([true, true, true, true], NONE),
            P::AppWrite => ([true, true, true, false], NONE),
            P::AppLaunchDelete => ([true, true, false, false], NONE),
            P::AppProducts => ([true, true, true, false], NONE),
            P::SandboxDevelop => ([true, true, true, false], NONE),
            P::ProductionConfigure => ([true, true, false, false], NONE),
            P::AuthorizationManage => ([true, true, false, false], NONE),
            P::MerchantsManage => ([true, true, false, true], NONE),
            P::MembersManage => ([true, false, false, false], [true, false, false]),
            P::AuditView => ([true, true, false, false], [true, true, false]),
            P::AuthorizationGrant => ([false, false, false, false], [true, true, false]),
        }
    }

    const DEVELOPER_ROLES: [Role; 4] = [
        R::Owner,
        R::DeveloperAdmin,
        R::Developer,
        R::MerchantOnboarding,
    ];
    const GRANTOR_ROLES: [Role; 3] = [R::Owner, R::Admin, R::Member];

    #[test]
    fn every_permission_of_every_role_follows_the_table() {
        let mut names: Vec<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(
            names.len(),
            Permission::ALL.len(),
            "a permission is listed twice"
        );
        for permission in Permission::ALL {
            let (developer, grantor) = spec_row(permission);
            for kind in WorkspaceKind::ALL {
                let expected: Vec<(Role, bool)> = if kind.is_developer() {
                    DEVELOPER_ROLES.into_iter().zip(developer).collect()
                } else {
                    GRANTOR_ROLES.into_iter().zip(grantor).collect()
                };
                for (role, expected) in expected {
                    assert_eq!(
                        allows(kind, role, permission),
                        expected,
                        "{kind:?} {role:?} {permission:?}"
                    );
                }
                // The other family's roles mean nothing here.
                for role in Role::ALL {
                    if !Role::for_kind(kind).contains(&role) {
                        assert!(
                            !allows(kind, role, permission),
                            "{kind:?} {role:?} {permission:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn roles_parse_within_their_family() {
        assert_eq!(
            Role::parse_for("developer", WorkspaceKind::Tsp),
            Ok(R::Developer)
        );
        assert!(Role::parse_for("admin", WorkspaceKind::Tsp).is_err());
        assert!(Role::parse_for("developer", WorkspaceKind::Acqp).is_err());
        assert!(Role::parse_for("Owner", WorkspaceKind::Acqp).is_err());
        assert_eq!(
            permissions_of(WorkspaceKind::Acqp, R::Member),
            vec!["workspace.view"]
        );
    }
}
