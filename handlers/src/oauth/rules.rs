//! The rules of consent (SPEC 3.5): who may authorize which request, and why not. Pure
//! functions over what the consent page's batch read, so the page and its POST decide alike.

use crate::domain::permissions::{allows, Permission, Role, WorkspaceKind};
use crate::error::{ApiError, Invalid};
use crate::http::Request;
use crate::oauth::request::AuthorizationRequest;
use crate::sql::authorizations::{ConsentAppRow, GrantorChoiceRow};

/// Why a signed-in person cannot authorize this request; each is a page that says so.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// The application was deleted, or its workspace is no longer approved.
    AppUnavailable,
    /// The person has no workspace of the requested kind.
    WrongGrantorKind {
        kind: String,
    },
    GrantorNotApproved {
        name: String,
    },
    NotAnAdmin {
        name: String,
    },
    OutsideContract {
        name: String,
        products: Vec<String>,
    },
    AlreadyAuthorized {
        name: String,
    },
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::AppUnavailable => "app_unavailable",
            Refusal::WrongGrantorKind { .. } => "wrong_grantor_kind",
            Refusal::GrantorNotApproved { .. } => "grantor_not_approved",
            Refusal::NotAnAdmin { .. } => "not_an_admin",
            Refusal::OutsideContract { .. } => "outside_contract",
            Refusal::AlreadyAuthorized { .. } => "already_authorized",
        }
    }

    pub fn title(&self) -> &'static str {
        match self {
            Refusal::AppUnavailable => "This application cannot be authorized",
            Refusal::WrongGrantorKind { .. } => "This link is for another kind of organisation",
            Refusal::GrantorNotApproved { .. } => "Your workspace is not approved yet",
            Refusal::NotAnAdmin { .. } => "Only an Owner or Admin can authorize",
            Refusal::OutsideContract { .. } => "These products are not in your contract",
            Refusal::AlreadyAuthorized { .. } => "Already authorized",
        }
    }

    pub fn text(&self) -> String {
        match self {
            Refusal::AppUnavailable => {
                "The application was removed or its developer's workspace is not approved. Ask the developer for a new link."
                    .into()
            }
            Refusal::WrongGrantorKind { kind } => format!(
                "This authorization link asks {} to authorize the application, and your account belongs to none. Sign in with another account, or ask the developer for the right link.",
                if kind == "acqp" { "an acquirer (ACQP)" } else { "a merchant" }
            ),
            Refusal::GrantorNotApproved { name } => format!(
                "{name} is still under review (or was not approved). Once the platform approves it, open this link again."
            ),
            Refusal::NotAnAdmin { name } => format!(
                "Your role in {name} does not allow authorizing applications. Ask its Owner or an Admin to open this link."
            ),
            Refusal::OutsideContract { name, products } => format!(
                "The application asks for {}, which the contract of {name} does not include. Ask the developer for a link with fewer products, or the platform to extend the contract.",
                products.join(", ")
            ),
            Refusal::AlreadyAuthorized { name } => format!(
                "{name} has already authorized this application for exactly these products. Nothing needs to be done."
            ),
        }
    }
}

/// A workspace that may authorize the request, and whether that re-authorizes.
#[derive(Debug, Clone)]
pub struct Eligible {
    pub id: String,
    pub name: String,
    /// Its authorization of this application, if it has one already (active or not).
    pub authorization_id: Option<String>,
    pub existing_status: Option<String>,
}

/// Which of the person's workspaces may authorize `request`, or why none may. With several
/// workspaces, one refusal is shown: the one of the workspace that came closest.
pub fn eligible(
    app: Option<&ConsentAppRow>,
    choices: &[GrantorChoiceRow],
    request: &AuthorizationRequest,
) -> Result<Vec<Eligible>, Refusal> {
    let app = app.ok_or(Refusal::AppUnavailable)?;
    if app.workspace_status != "approved" {
        return Err(Refusal::AppUnavailable);
    }
    let Ok(kind) = WorkspaceKind::parse(&request.grantor_kind) else {
        return Err(Refusal::AppUnavailable);
    };
    let mut ok = Vec::new();
    let mut closest: Option<(u8, Refusal)> = None;
    for c in choices {
        match check(kind, c, request) {
            Ok(()) => ok.push(Eligible {
                id: c.id.clone(),
                name: c.name.clone(),
                authorization_id: c.authorization_id.clone(),
                existing_status: c.authorization_status.clone(),
            }),
            Err((rank, refusal)) => {
                if closest.as_ref().is_none_or(|(r, _)| rank > *r) {
                    closest = Some((rank, refusal));
                }
            }
        }
    }
    if ok.is_empty() {
        return Err(closest
            .map(|(_, r)| r)
            .unwrap_or(Refusal::WrongGrantorKind {
                kind: request.grantor_kind.clone(),
            }));
    }
    Ok(ok)
}

/// One workspace's verdict; the rank orders refusals by how far the workspace got.
fn check(
    kind: WorkspaceKind,
    c: &GrantorChoiceRow,
    request: &AuthorizationRequest,
) -> Result<(), (u8, Refusal)> {
    let name = c.name.clone();
    let role = Role::from_db(&c.role);
    if !role.is_some_and(|r| allows(kind, r, Permission::AuthorizationGrant)) {
        return Err((1, Refusal::NotAnAdmin { name }));
    }
    if c.status != "approved" {
        return Err((2, Refusal::GrantorNotApproved { name }));
    }
    let contract: Vec<String> = serde_json::from_str(&c.contract_json).unwrap_or_default();
    let outside: Vec<String> = request
        .products
        .iter()
        .filter(|p| !contract.contains(p))
        .cloned()
        .collect();
    if !outside.is_empty() {
        return Err((
            3,
            Refusal::OutsideContract {
                name,
                products: outside,
            },
        ));
    }
    if c.authorization_status.as_deref() == Some("active") {
        let mut current: Vec<String> = c
            .authorization_products_json
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or_default();
        current.sort();
        if current == request.products {
            return Err((4, Refusal::AlreadyAuthorized { name }));
        }
    }
    Ok(())
}

/// Where to send the browser after login: a path of ours (`/…`, never `//host` or `/\host`,
/// which browsers read as another host), else the signed-in page.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && n.len() <= 8192
                && !n.chars().any(|c| c.is_control()) =>
        {
            n.to_owned()
        }
        _ => "/login?signed_in=1".to_owned(),
    }
}

/// `active`, `inactive`, or absent.
pub fn status_filter(req: &Request, name: &str) -> Result<Option<&'static str>, ApiError> {
    match req.query_param(name).as_deref() {
        None | Some("") => Ok(None),
        Some("active") => Ok(Some("active")),
        Some("inactive") => Ok(Some("inactive")),
        Some(_) => Err(ApiError::Validation(vec![Invalid::new(
            "invalid_status",
            format!("{name} is active or inactive."),
        )
        .at(name)])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(
            safe_next(Some("/authorize?request=x")),
            "/authorize?request=x"
        );
        for bad in [
            "//evil.example/",
            "/\\evil.example",
            "https://evil.example/",
            "",
            "/a\nb",
        ] {
            assert_eq!(safe_next(Some(bad)), "/login?signed_in=1", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/login?signed_in=1");
    }
}
