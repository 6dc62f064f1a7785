//! Roles and permissions (SPEC 2): the one policy function every route asks.

use crate::error::Invalid;

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

    /// SPEC 2's table, row by row, as written there (Owner, Developer Admin, Developer,
    /// Merchant Onboarding).
    const SPEC_TABLE: &[(Permission, [bool; 4])] = &[
        (P::AppWrite, [true, true, true, false]),
        (P::AppLaunchDelete, [true, true, false, false]),
        (P::AppView, [true, true, true, true]),
        (P::AppProducts, [true, true, true, false]),
        (P::SandboxDevelop, [true, true, true, false]),
        (P::ProductionConfigure, [true, true, false, false]),
        (P::AuthorizationManage, [true, true, false, false]),
        (P::MerchantsManage, [true, true, false, true]),
        (P::MembersManage, [true, false, false, false]),
    ];

    #[test]
    fn developer_workspaces_follow_the_spec_table() {
        for kind in [WorkspaceKind::Tsp, WorkspaceKind::Isv] {
            for (permission, row) in SPEC_TABLE {
                for (role, expected) in [
                    R::Owner,
                    R::DeveloperAdmin,
                    R::Developer,
                    R::MerchantOnboarding,
                ]
                .into_iter()
                .zip(row)
                {
                    assert_eq!(
                        allows(kind, role, *permission),
                        *expected,
                        "{kind:?} {role:?} {permission:?}"
                    );
                }
            }
            // Grantor roles mean nothing in a developer workspace.
            for p in Permission::ALL {
                assert!(!allows(kind, R::Admin, p) && !allows(kind, R::Member, p));
            }
        }
    }

    #[test]
    fn grantor_workspaces() {
        for kind in [WorkspaceKind::Acqp, WorkspaceKind::Merchant] {
            assert!(allows(kind, R::Owner, P::AuthorizationGrant));
            assert!(allows(kind, R::Admin, P::AuthorizationGrant));
            assert!(!allows(kind, R::Member, P::AuthorizationGrant));
            assert!(allows(kind, R::Member, P::WorkspaceView));
            assert!(
                allows(kind, R::Owner, P::MembersManage)
                    && !allows(kind, R::Admin, P::MembersManage)
            );
            assert!(!allows(kind, R::Owner, P::AppWrite));
            assert!(!allows(kind, R::Developer, P::WorkspaceView));
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
