//! Embeds schema/openapi.json compactly: the same JSON document with the whitespace between
//! tokens removed (key order and every string byte kept), written to OUT_DIR for
//! `routes::openapi::DOCUMENT`. The pretty-printed file is half whitespace, and it ships inside
//! the Worker's wasm (see BENCHMARKS.md, "A smaller wasm"). No dependencies: a JSON string is
//! the only place where whitespace is content, and the scanner below tracks exactly that.

use std::path::Path;

fn main() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/openapi.json");
    println!("cargo:rerun-if-changed={}", source.display());
    let text = std::fs::read_to_string(&source)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", source.display()));
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("openapi.min.json");
    std::fs::write(&out, minify(&text))
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}

/// Drops the whitespace outside JSON strings. Whether the result is valid JSON equal to the
/// input is checked by the tests in `routes::openapi`, not here.
fn minify(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\n' | '\r' | '\t') {
            out.push(c);
        }
    }
    out
}
