//! Network totals files: handed over by other chapters, read by `GroupTotals::open`, then added
//! up. A file is used whole or refused; the sum of what is accepted never overflows or panics.

#![no_main]

use crdt_core::totals::{GroupTotals, Network};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((totals, _device)) = GroupTotals::open(data) {
        let _ = Network::of(vec![totals.clone(), GroupTotals { group: uuid_after(totals.group), ..totals }]);
    }
});

/// Another group's id, so the two files add up instead of being refused as one group twice.
fn uuid_after(id: crdt_core::Uuid) -> crdt_core::Uuid {
    crdt_core::Uuid::from_u128(id.as_u128().wrapping_add(1))
}
