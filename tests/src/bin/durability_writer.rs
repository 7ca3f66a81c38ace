//! Adds needs to the store at the given path, printing each id once `add_need` has returned,
//! that is, once it is acknowledged. The durability test kills this process with SIGKILL at
//! random moments and then checks that every printed id survived.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use aidmesh_tests::test_key;
use crdt_core::{Category, NewNeed, Store, Urgency};

/// A bound so that a writer nobody kills still ends.
const MAX_NEEDS: usize = 100_000;

fn main() -> anyhow::Result<()> {
    let path = PathBuf::from(std::env::args_os().nth(1).context("usage: durability_writer DATABASE")?);
    let mut store = Store::open(&path, &test_key())?;
    let mut out = std::io::stdout().lock();
    for i in 0..MAX_NEEDS {
        let input = NewNeed::new(&format!("Need {i}"), Category::Meals, Urgency::Normal, "North");
        let need = store.act(|doc, me, now| doc.add_need(me, input, now))?;
        writeln!(out, "{}", need.id)?;
        out.flush()?;
    }
    Ok(())
}
