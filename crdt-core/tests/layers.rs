//! The crate's layers (see `lib.rs`): a module uses only modules listed before it, so there is
//! no import cycle and a newcomer finds each rule below everything that relies on it.

use std::collections::BTreeSet;
use std::path::Path;

/// Lowest first. Within `store`, the same holds for its own files.
const LAYERS: &[&str] = &[
    "validation", "chunks", "frame", "secret", "signing", "seal", "invite", "bundle", "error", "codec", "model", "engine", "reads", "conflict",
    "history", "matching", "report", "totals", "actions", "export", "sync", "store",
];
const STORE_LAYERS: &[&str] = &["db", "index", "mod", "write", "queries", "privacy", "generations", "meeting", "import", "groups", "referrals"];

/// Every `crate::name` a source file's code mentions, in `use` lines and in paths alike
/// (comments aside).
fn crate_modules(source: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or_default();
        for (i, _) in code.match_indices("crate::") {
            let name: String = code[i + "crate::".len()..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() && !code[..i].ends_with('$') {
                found.insert(name);
            }
        }
    }
    found
}

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_module_uses_a_module_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string()).collect();
        if parts == ["lib"] {
            continue;
        }
        let layer = LAYERS.iter().position(|l| *l == parts[0]).unwrap_or_else(|| panic!("{} is in no layer: add it to LAYERS", parts[0]));
        let source = std::fs::read_to_string(file).unwrap();
        for used in crate_modules(&source) {
            let Some(used_layer) = LAYERS.iter().position(|l| *l == used) else { continue };
            if used_layer > layer {
                wrong.push(format!("{} uses crate::{used}", relative.display()));
            }
        }
        if parts[0] == "store" {
            let own = STORE_LAYERS.iter().position(|l| *l == parts[1]).unwrap_or_else(|| panic!("store/{} is in no layer", parts[1]));
            for (i, sibling) in STORE_LAYERS.iter().enumerate().skip(own + 1) {
                let mentions = [format!("super::{sibling}"), format!("crate::store::{sibling}")];
                if mentions.iter().any(|m| source.contains(m.as_str())) {
                    wrong.push(format!("{} uses store::{} (layer {i})", relative.display(), sibling));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "modules that use a module above them:\n{}", wrong.join("\n"));
}

#[test]
fn the_check_sees_paths_as_well_as_use_lines() {
    let found = crate_modules("use crate::model::Need;\nlet x = crate::store::Store::open(p);\n$crate::validation::Field\n/// see crate::actions");
    assert_eq!(found, BTreeSet::from(["model".to_string(), "store".to_string()]));
}
