//! Members and the last Owner (SPEC 3.2): role changes and removals, one at a time and at the
//! same moment. Whatever the interleaving, a workspace keeps at least one Owner.

use devcenter_e2e::workspaces::*;
use devcenter_e2e::*;
use serde_json::json;

fn member_path(ws: &str, account: &str) -> String {
    format!("/v1/workspaces/{ws}/members/{account}")
}

fn set_role(token: &str, ws: &str, account: &str, role: &str) -> Resp {
    patch_json_auth(&member_path(ws, account), token, &json!({ "role": role }))
}

fn remove(token: &str, ws: &str, account: &str) -> Resp {
    delete_auth(&member_path(ws, account), token)
}

/// A fresh workspace (kind `kind`) created by `a`, with `b` joined and promoted to Owner.
fn two_owner_workspace(a: &Account, b: &Account, kind: &str) -> String {
    let ws = create_workspace(&a.token, kind)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = invite(&a.token, &ws, &b.email, "owner");
    assert_eq!(r.status, 201, "invite as owner: {}", r.describe());
    let r = accept(&b.token, &invitation_token(&b.email));
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(r.json()["role"], json!("owner"));
    let m = members(&a.token, &ws);
    assert_eq!(owner_count(&m), 2, "{m:#}");
    ws
}

/// The outcome a loser of a race may see: 409 last_owner, or — when the winner's request
/// took the loser's own Owner role or membership first — 403 forbidden / 404 not_found.
#[track_caller]
fn assert_lost(r: &Resp, allowed: &[(u16, &str)], what: &str) {
    let p = assert_problem_shape(r);
    assert!(
        allowed
            .iter()
            .any(|(s, c)| r.status == *s && p["code"] == json!(c)),
        "{what}: the losing request answered {}, expected one of {allowed:?}",
        r.describe()
    );
}

#[test]
fn the_last_owner_can_be_neither_demoted_nor_removed() {
    let owner = create_account("lo-owner");
    let ws = approved_workspace(&owner.token, "tsp");
    let dev = add_member(&owner.token, &ws, "developer", "lo-dev");
    let before = members(&owner.token, &ws);

    for role in ["developer_admin", "developer", "merchant_onboarding"] {
        assert_problem(
            &set_role(&owner.token, &ws, &owner.id, role),
            409,
            "last_owner",
        );
    }
    assert_problem(&remove(&owner.token, &ws, &owner.id), 409, "last_owner");
    assert_eq!(
        members(&owner.token, &ws),
        before,
        "a refused change changed the members"
    );

    // Unknown, malformed, or someone else's member: 404; grantor roles: 422.
    let stranger = create_account("lo-stranger");
    for id in [
        stranger.id.as_str(),
        "00000000-0000-7000-8000-000000000000",
        "nope",
    ] {
        assert_problem(
            &set_role(&owner.token, &ws, id, "developer"),
            404,
            "not_found",
        );
        assert_problem(&remove(&owner.token, &ws, id), 404, "not_found");
    }
    for role in ["admin", "member", "root", ""] {
        assert_field_error(&set_role(&owner.token, &ws, &dev.id, role), "role", None);
    }
    assert_eq!(members(&owner.token, &ws), before);

    // With a second Owner, the first may step down; then the second is the last.
    assert_eq!(set_role(&owner.token, &ws, &dev.id, "owner").status, 200);
    let r = set_role(&owner.token, &ws, &owner.id, "developer");
    assert_eq!(r.status, 200, "{}", r.describe());
    let v = r.json();
    assert_eq!(v["role"], json!("developer"));
    assert_eq!(v["account_id"], json!(owner.id));
    assert_eq!(v["email"], json!(owner.email));
    // The former Owner lost members.manage at once.
    assert_problem(
        &set_role(&owner.token, &ws, &dev.id, "developer"),
        403,
        "forbidden",
    );
    assert_problem(
        &set_role(&dev.token, &ws, &dev.id, "developer"),
        409,
        "last_owner",
    );
    assert_problem(&remove(&dev.token, &ws, &dev.id), 409, "last_owner");
    // Removing a non-owner works; their access ends.
    let r = remove(&dev.token, &ws, &owner.id);
    assert_eq!(r.status, 204, "{}", r.describe());
    assert!(r.body.is_empty());
    assert_problem(
        &get_auth(&format!("/v1/workspaces/{ws}"), &owner.token),
        404,
        "not_found",
    );
    assert!(
        !get_ok("/v1/me", &owner.token)["workspaces"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["id"] == json!(ws)),
        "a removed member still sees the workspace in /v1/me"
    );
    let m = members(&dev.token, &ws);
    assert_eq!(owner_count(&m), 1);
    assert_eq!(m["items"].as_array().unwrap().len(), 1, "{m:#}");
}

/// Runs `round` (which says whether one of its requests was refused by the last-Owner guard,
/// 409 `last_owner`) at least `MIN_ROUNDS` times, and more (up to `MAX_ROUNDS`) until one was:
/// a race test in which no round reached the guard did not show that the guard holds, only
/// that the requests ran one after the other. Returns how many rounds reached it.
#[track_caller]
fn race(what: &str, mut round: impl FnMut(usize) -> bool) -> usize {
    const MIN_ROUNDS: usize = 5;
    const MAX_ROUNDS: usize = 20;
    let mut hits = 0;
    let mut rounds = 0;
    while rounds < MIN_ROUNDS || (hits == 0 && rounds < MAX_ROUNDS) {
        if round(rounds) {
            hits += 1;
        }
        rounds += 1;
    }
    println!("{what}: {hits} of {rounds} rounds reached the last-owner guard");
    assert!(
        hits >= 1,
        "{what}: none of {rounds} rounds reached the last-owner guard (409 last_owner): the \
         requests never overlapped, so the race was not tested"
    );
    hits
}

fn is_last_owner(r: &Resp) -> bool {
    r.status == 409 && r.json()["code"] == json!("last_owner")
}

#[test]
fn two_owners_demoting_each_other_at_once_leave_exactly_one_owner() {
    let a = create_account("race-demote-a");
    let b = create_account("race-demote-b");
    race("demotion race", |round| {
        let ws = two_owner_workspace(&a, &b, "tsp");
        let results = parallel(2, |i| {
            if i == 0 {
                set_role(&a.token, &ws, &b.id, "developer")
            } else {
                set_role(&b.token, &ws, &a.id, "developer")
            }
        });
        let winners: Vec<usize> = (0..2).filter(|&i| results[i].status == 200).collect();
        assert_eq!(
            winners.len(),
            1,
            "round {round}: exactly one demotion wins: {results:#?}"
        );
        let loser = 1 - winners[0];
        assert_lost(
            &results[loser],
            &[(409, "last_owner"), (403, "forbidden")],
            &format!("round {round}"),
        );
        let m = members(if winners[0] == 0 { &a.token } else { &b.token }, &ws);
        assert_eq!(owner_count(&m), 1, "round {round}: {m:#}");
        // The winner is the Owner, the loser the Developer.
        let (winner, loser_acct) = if winners[0] == 0 { (&a, &b) } else { (&b, &a) };
        assert_eq!(role_in(&m, &winner.id).as_deref(), Some("owner"));
        assert_eq!(role_in(&m, &loser_acct.id).as_deref(), Some("developer"));
        is_last_owner(&results[loser])
    });
}

#[test]
fn two_owners_removing_each_other_at_once_leave_exactly_one_owner() {
    let a = create_account("race-remove-a");
    let b = create_account("race-remove-b");
    race("removal race", |round| {
        let ws = two_owner_workspace(&a, &b, "isv");
        let results = parallel(2, |i| {
            if i == 0 {
                remove(&a.token, &ws, &b.id)
            } else {
                remove(&b.token, &ws, &a.id)
            }
        });
        let winners: Vec<usize> = (0..2).filter(|&i| results[i].status == 204).collect();
        assert_eq!(
            winners.len(),
            1,
            "round {round}: exactly one removal wins: {results:#?}"
        );
        let loser = 1 - winners[0];
        assert_lost(
            &results[loser],
            &[(409, "last_owner"), (404, "not_found")],
            &format!("round {round}"),
        );
        let winner = if winners[0] == 0 { &a } else { &b };
        let m = members(&winner.token, &ws);
        assert_eq!(owner_count(&m), 1, "round {round}: {m:#}");
        assert_eq!(
            m["items"].as_array().unwrap().len(),
            1,
            "round {round}: {m:#}"
        );
        assert_eq!(role_in(&m, &winner.id).as_deref(), Some("owner"));
        is_last_owner(&results[loser])
    });
}

#[test]
fn an_owner_leaving_while_demoting_the_other_owner_leaves_one_owner() {
    let a = create_account("race-mixed-a");
    let b = create_account("race-mixed-b");
    race("mixed race", |round| {
        let ws = two_owner_workspace(&a, &b, "tsp");
        // a removes itself and demotes b at the same moment; b demotes a at the same moment.
        let results = parallel(3, |i| match i {
            0 => remove(&a.token, &ws, &a.id),
            1 => set_role(&a.token, &ws, &b.id, "developer_admin"),
            _ => set_role(&b.token, &ws, &a.id, "developer"),
        });
        for (i, r) in results.iter().enumerate() {
            if !(200..300).contains(&r.status) {
                assert_lost(
                    r,
                    &[(409, "last_owner"), (403, "forbidden"), (404, "not_found")],
                    &format!("round {round} request {i}"),
                );
            }
        }
        let (a_left, b_demoted, a_demoted) = (
            results[0].status == 204,
            results[1].status == 200,
            results[2].status == 200,
        );
        // Only one of the two Owners can lose the role: demoting b excludes both of the
        // others; a may be demoted and then leave (in that order only).
        let successes = [a_left, b_demoted, a_demoted]
            .iter()
            .filter(|&&ok| ok)
            .count();
        assert!(
            successes == 1 || (a_left && a_demoted && !b_demoted),
            "round {round}: {successes} successes: {results:#?}"
        );
        // The members list agrees with the answers, and one Owner remains.
        let reader = if b_demoted { &a.token } else { &b.token };
        let m = members(reader, &ws);
        assert_eq!(owner_count(&m), 1, "round {round}: {results:#?}\n{m:#}");
        let a_role = if a_left {
            None
        } else if a_demoted {
            Some("developer")
        } else {
            Some("owner")
        };
        let b_role = if b_demoted {
            "developer_admin"
        } else {
            "owner"
        };
        assert_eq!(
            (role_in(&m, &a.id).as_deref(), role_in(&m, &b.id).as_deref()),
            (a_role, Some(b_role)),
            "round {round}: the members list disagrees with the answers: {results:#?}\n{m:#}"
        );
        results.iter().any(is_last_owner)
    });
}

#[test]
fn three_owners_demoting_each_other_in_a_ring_keep_an_owner() {
    let accts: Vec<Account> = (0..3)
        .map(|i| create_account(&format!("race-ring-{i}")))
        .collect();
    race("ring race", |round| {
        let ws = create_workspace(&accts[0].token, "tsp")["id"]
            .as_str()
            .unwrap()
            .to_string();
        for x in &accts[1..] {
            assert_eq!(invite(&accts[0].token, &ws, &x.email, "owner").status, 201);
            assert_eq!(accept(&x.token, &invitation_token(&x.email)).status, 200);
        }
        assert_eq!(owner_count(&members(&accts[0].token, &ws)), 3);
        let results = parallel(3, |i| {
            let target = &accts[(i + 1) % 3];
            set_role(&accts[i].token, &ws, &target.id, "developer")
        });
        let ok = results.iter().filter(|r| r.status == 200).count();
        for r in results.iter().filter(|r| r.status != 200) {
            assert_lost(
                r,
                &[(409, "last_owner"), (403, "forbidden")],
                &format!("round {round}"),
            );
        }
        // The first change to run always succeeds; the guard stops the third.
        assert!(
            (1..=2).contains(&ok),
            "round {round}: {ok} demotions succeeded: {results:#?}"
        );
        let reader = accts
            .iter()
            .find(|x| get_auth(&format!("/v1/workspaces/{ws}/members"), &x.token).status == 200)
            .unwrap();
        let m = members(&reader.token, &ws);
        let owners = owner_count(&m);
        assert_eq!(
            owners,
            3 - ok,
            "round {round}: each success demoted one Owner: {results:#?}\n{m:#}"
        );
        // Exactly the targets of the successful requests were demoted.
        for (i, r) in results.iter().enumerate() {
            let target = &accts[(i + 1) % 3];
            let want = if r.status == 200 {
                "developer"
            } else {
                "owner"
            };
            assert_eq!(
                role_in(&m, &target.id).as_deref(),
                Some(want),
                "round {round}: request {i} answered {}: {results:#?}\n{m:#}",
                r.status
            );
        }
        results.iter().any(is_last_owner)
    });
}

#[test]
fn grantor_owner_rules_are_the_same() {
    let a = create_account("g-owner-a");
    let b = create_account("g-owner-b");
    let ws = create_workspace(&a.token, "acqp")["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_problem(&set_role(&a.token, &ws, &a.id, "admin"), 409, "last_owner");
    assert_problem(&remove(&a.token, &ws, &a.id), 409, "last_owner");
    assert_eq!(invite(&a.token, &ws, &b.email, "admin").status, 201);
    assert_eq!(accept(&b.token, &invitation_token(&b.email)).status, 200);
    // Admin may not manage members.
    assert_problem(&set_role(&b.token, &ws, &b.id, "owner"), 403, "forbidden");
    assert_problem(&remove(&b.token, &ws, &a.id), 403, "forbidden");
    // Developer roles do not exist here.
    assert_field_error(
        &set_role(&a.token, &ws, &b.id, "developer_admin"),
        "role",
        None,
    );
    assert_eq!(
        role_in(&members(&a.token, &ws), &b.id).as_deref(),
        Some("admin")
    );
    let r = set_role(&a.token, &ws, &b.id, "member");
    assert_eq!(r.status, 200, "{}", r.describe());
    assert_eq!(r.json()["role"], json!("member"));
}
