//! aidmesh's integration tests, one binary (ripgrep style). Each module tests through the real
//! parts: real automerge documents, real SQLite files, the real `aidmesh` binary.

mod authority;
mod bad_input;
mod bundles;
mod cli;
mod conflicts;
mod convergence;
mod durability;
mod generations;
mod history;
mod import;
mod ledger;
mod matching;
mod meeting;
mod network;
mod privacy;
mod referrals;
mod report;
mod rules;
mod store;
