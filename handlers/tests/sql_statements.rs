//! Every SQL statement of the core prepares against the real migrated schema (SQLite, as D1),
//! and the migrations themselves are append-only-shaped (numbered, commented).

mod support;

use devcenter_handlers::sql::all_statements;

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
