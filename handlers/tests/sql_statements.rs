//! Every SQL statement of the core prepares against the real migrated schema (SQLite, as D1),
//! and the migrations themselves are append-only-shaped (numbered, commented).

mod support;

use devcenter_handlers::platform::Query;
use devcenter_handlers::sql::{all_statements, MODULES};

#[test]
fn every_statement_prepares_against_the_migrated_schema() {
    let db = support::Sqlite::migrated();
    let statements = all_statements();
    assert!(
        statements.len() >= 30,
        "only {} statements found",
        statements.len()
    );
    for (name, sql) in statements {
        db.0.prepare(sql)
            .unwrap_or_else(|e| panic!("{name} does not prepare: {e}\n{sql}"));
        // Outside SQL string literals, braces would mean a template was filled in by hand.
        let outside_literals: String = sql.split('\'').step_by(2).collect();
        assert!(
            !outside_literals.contains(['{', '}']),
            "{name} looks format!-built"
        );
        // Numbered placeholders only: a bare `?` would bind by position and silently shift.
        let bytes = sql.as_bytes();
        for (i, b) in bytes.iter().enumerate() {
            if *b == b'?' {
                assert!(
                    bytes.get(i + 1).is_some_and(|c| c.is_ascii_digit()),
                    "{name} has an unnumbered placeholder"
                );
            }
        }
    }
}

#[test]
fn migrations_are_numbered_and_commented() {
    let mut names: Vec<String> = std::fs::read_dir(support::migrations_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    names.sort();
    for (i, name) in names.iter().enumerate() {
        assert!(
            name.starts_with(&format!("{:04}_", i + 1)),
            "{name} is out of sequence"
        );
        let text = std::fs::read_to_string(support::migrations_dir().join(name)).unwrap();
        assert!(
            text.starts_with("--"),
            "{name} should open with a comment saying what it does"
        );
    }
}

/// Every statement's builder, called once (the values do not matter, only how many there are).
/// A statement added without a line here fails `every_builder_binds_what_its_statement_numbers`.
fn every_builder() -> Vec<Query> {
    use devcenter_handlers::sql::*;
    const S: &str = "x";
    const N: i64 = 1;
    let entry = audit::Entry {
        workspace_id: Some(S),
        actor_id: Some(S),
        action: S,
        target: Some(S),
        detail: serde_json::json!({}),
    };
    let completion = accounts::Completion {
        new_id: S,
        email: S,
        username: S,
        password_hash: S,
        now: N,
        nonce: S,
    };
    let message = outbox::NewMessage {
        id: S,
        to: S,
        template: S,
        subject: S,
        text: S,
        data_json: S,
        now: N,
    };
    let session = sessions::NewRow {
        id: S,
        token_hash: S,
        now: N,
        expires_at: N,
    };
    let log_line = gateway::LogLine {
        request_id: S,
        app_id: Some(S),
        client_id: S,
        api: S,
        now: N,
        signed: true,
    };
    let payment_key = gateway::PaymentKey {
        payment_id: Some(S),
        payment_request_id: None,
    };
    vec![
        accounts::find_by_email(S),
        accounts::find_by_id(S),
        accounts::insert_pending(S, S, S, N),
        accounts::create_if_consumed(&completion),
        accounts::complete_pending_if_consumed(&completion),
        accounts::reset_if_consumed(S, S, N, S),
        accounts::view_if_consumed(S, S),
        accounts::set_password(S, S, N, S),
        accounts::set_password_if(S, S, N, S, true),
        apps::insert(
            &apps::NewApp {
                id: S,
                workspace_id: S,
                name: S,
                app_type: S,
                registration_country: S,
                description: S,
                test_currency: S,
                created_by: S,
            },
            N,
        ),
        apps::insert_product(S, S, S, N),
        apps::insert_sandbox(
            S,
            &apps::NewSandbox {
                customer_id: S,
                isv_customer_id: S,
                merchant_id: S,
                merchant_login: S,
                merchant_password_hash: S,
                buyer_id: S,
                buyer_login: S,
                buyer_password_hash: S,
                test_token_nonce: S,
            },
            N,
        ),
        apps::rotate_test_token(S, S),
        apps::insert_environment(S, S, S, N),
        apps::find_for_member(S, S),
        apps::find_for_session(S, S, N),
        apps::list_for_session(S, Some(S), Some(S), N, S, N),
        apps::update(S, S, S, S, S, N),
        apps::delete(S),
        apps::touch(S, N),
        apps::remove_product(S, S),
        apps::sandbox(S),
        apps::environment(S, S),
        apps::set_key(S, S, S, S, N),
        apps::set_urls(S, S, Some(Some(S)), Some(None), N),
        audit::list_for_workspace(S, Some(S), N),
        audit::insert(S, &entry, S, N),
        audit::insert_if(S, &entry, S, N, true),
        audit::insert_for_address_if_consumed(S, &entry, S, N, S, S),
        codes::supersede_if_slot(S, S, N, S, S),
        codes::insert_if_slot(S, S, S, S, N, N, S, S),
        codes::count_guess(S, N, N),
        codes::try_code(&codes::Guess {
            email: S,
            purpose: S,
            now: N,
            code_hash: S,
            nonce: S,
            max_attempts: N,
            consume: true,
            address_hash: S,
            max_daily_guesses: N,
        }),
        codes::give_back_if_consumed(S, S, S),
        codes::supersede_others_if_consumed(S, S, N),
        codes::delete_expired(N),
        codes::delete_old_failures(N),
        guard::previous_changed(),
        gateway::copy_key_version(S, S),
        gateway::client(S, Some(N), N),
        gateway::keys(S, S),
        gateway::log(&log_line, S, S),
        gateway::log_pay(&log_line, S, S),
        gateway::log_if_payment(&log_line, payment_key),
        gateway::guard_current(S, S, Some(S), N, N),
        gateway::pass(S, S, N, S),
        gateway::pass_if_payment_written(S, S, N, S, S),
        gateway::pass_if_duplicate(S, N, S, S, S, S),
        gateway::pass_if_payment(S, S, N, S, payment_key),
        gateway::insert_payment(&gateway::NewPayment {
            id: S,
            app_id: S,
            payment_request_id: S,
            request_hash: S,
            status: S,
            result_code: S,
            currency: S,
            amount: N,
            answer_json: S,
            now: N,
        }),
        gateway::payment(S, payment_key),
        gateway::cancel(S, payment_key, N),
        gateway::insert_refund(&gateway::NewRefund {
            id: S,
            app_id: S,
            refund_request_id: S,
            request_hash: S,
            currency: S,
            amount: N,
            answer_json: S,
            now: N,
            payment_id: S,
        }),
        gateway::apply_refund(S),
        gateway::refund(S, Some(S), None),
        gateway::enqueue_notification(&gateway::NewNotification {
            id: S,
            url: S,
            body: S,
            data_json: S,
            now: N,
            payment_id: S,
        }),
        gateway::acceptance(S),
        gateway::reset_acceptance(S),
        gateway::requests(S, Some(S), N),
        gateway::delete_old_requests(N),
        authorizations::app_oauth(S),
        authorizations::set_redirect_uris(S, S, N),
        authorizations::app_for_consent(S),
        authorizations::event_targets(S),
        authorizations::event_targets_of_authorization(S),
        authorizations::event_targets_of_client(S),
        authorizations::by_id_for_grantor_session(S, S, N),
        authorizations::enqueue_event(&authorizations::NewEvent {
            id: S,
            url: S,
            event_type: S,
            body: S,
            data_json: S,
            now: N,
        }),
        authorizations::grantor_choices(S, N, S, S),
        authorizations::upsert(&authorizations::NewAuthorization {
            id: S,
            app_id: S,
            grantor_id: S,
            products_json: S,
            granted_by: S,
            token_nonce: S,
            token_hash: S,
            now: N,
        }),
        authorizations::insert_code(&authorizations::NewCode {
            code_hash: S,
            app_id: S,
            grantor_id: S,
            token_nonce: S,
            redirect_uri: Some(S),
            code_challenge: None,
            expires_at: N,
            now: N,
        }),
        authorizations::client(S),
        authorizations::insert_assertion(S, S, N),
        authorizations::code(S),
        authorizations::redeem_code(S, N, S),
        authorizations::redeemed(S, S),
        authorizations::deactivate_token(S, S, S, N),
        authorizations::by_token(S),
        authorizations::by_id(S),
        authorizations::list_for_app(S, Some(S), None, None, N),
        authorizations::list_for_grantor(S, None, Some(S), None, N),
        members::insert(S, S, S, N),
        members::list(S),
        members::find(S, S),
        members::is_member_by_email(S, S),
        members::change_role(S, S, S, N),
        members::remove(S, S),
        members::invitation_supersede(S, S),
        members::invitation_insert(S, S, S, S, S, S, N, N),
        members::invitations_pending(S, N),
        members::invitation_by_token(S, N),
        members::invitation_accept(S, N, S),
        outbox::insert(&message),
        outbox::insert_if_consumed(&message, S),
        outbox::insert_if_slot(&message, S, S, outbox::ForAddress::Pending),
        outbox::list_for_recipient(S, N),
        outbox::due(N, N, true),
        outbox::claim(S, N, N, false),
        outbox::mark_sent(S, N),
        outbox::redact(S),
        outbox::mark_failed_try(S, S, N, N),
        outbox::delete_old(N),
        sessions::find_me_by_token(S, N),
        sessions::insert(S, S, S, N, N),
        sessions::insert_if(&session, S, true),
        sessions::insert_if_consumed(&session, S, S),
        sessions::find_live_by_token(S, N),
        sessions::delete(S),
        sessions::delete_all_for_account(S),
        sessions::delete_all_if_consumed(S, S),
        sessions::delete_others(S, S),
        sessions::delete_expired(N),
        throttle::take_email_slot(
            S,
            N,
            &throttle::SlotRule {
                min_gap_ms: N,
                window_ms: N,
                max_in_window: N,
            },
            S,
        ),
        throttle::take_login_attempt(S, N, N),
        throttle::clear_login_if(S, true),
        throttle::take_ip_attempt(S, N, N),
        throttle::give_back_ip_if(S, true),
        throttle::delete_old_ip(N),
        throttle::delete_old_login(N),
        provisioned::remember(S, S, S, S, N),
        provisioned::grant_if_active(S, S, S, N),
        provisioned::apply_if_consumed(S, S, N),
        provisioned::forget_if_consumed(S, S),
        throttle::delete_old_email(N),
        webhooks::exists(S, S),
        webhooks::insert(S, S, S, N, S, Some(S), Some(S)),
        webhooks::delete_old(N),
        workspaces::insert(
            &workspaces::NewWorkspace {
                id: S,
                kind: S,
                name: S,
                business_address: S,
                country: S,
                business_representative: S,
                logo_url: Some(S),
                website: Some(S),
                customer_service_phone: Some(S),
                customer_service_email: Some(S),
                created_by: S,
            },
            N,
        ),
        workspaces::find_for_member(S, S),
        workspaces::find_for_session(S, S, N),
        workspaces::list_for_account(S),
        workspaces::find(S),
        workspaces::list_by_status(Some(S), Some(S), N),
        workspaces::review(S, S, Some(S), S, N),
        workspaces::owner_emails(S),
        workspaces::contract_clear(S),
        workspaces::contract_add(S, S, N),
        workspaces::contract_list(S),
    ]
    .into_iter()
    .chain(authorizations::delete_expired_codes_and_assertions(N, N))
    .collect()
}

/// Each builder binds exactly as many values as its statement numbers placeholders (SQLite's
/// `parameter_count()` is the highest `?N`), and every statement has a builder above.
#[test]
fn every_builder_binds_what_its_statement_numbers() {
    let db = support::Sqlite::migrated();
    let built = every_builder();
    let mut failures = Vec::new();
    for query in &built {
        let name = all_statements()
            .into_iter()
            .find(|(_, sql)| *sql == query.sql)
            .map_or("<a statement missing from all_statements()>", |(n, _)| n);
        let wanted = db.0.prepare(query.sql).unwrap().parameter_count();
        if query.params.len() != wanted {
            failures.push(format!(
                "{name}: its builder binds {} values, the statement numbers {wanted}: {}",
                query.params.len(),
                query.sql
            ));
        }
    }
    for (name, sql) in all_statements() {
        if !built.iter().any(|q| q.sql == sql) {
            failures.push(format!(
                "{name} has no builder call in every_builder() (add one)"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `all_statements()` and `MODULES` come from the one list in `sql/mod.rs` that also declares
/// the modules; this checks that every file in `sql/` is on it.
#[test]
fn every_sql_module_is_in_all_statements() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sql");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".rs").map(str::to_string))
        .filter(|n| n != "mod")
        .collect();
    files.sort();
    let mut modules: Vec<String> = MODULES.iter().map(|m| m.to_string()).collect();
    modules.sort();
    assert_eq!(
        files,
        modules,
        "the files in {} and the module list of sql/mod.rs differ",
        dir.display()
    );
}
