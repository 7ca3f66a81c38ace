//! The names of the user actions, as each change's message starts with them. History reads them
//! back, and the app translates every one (its list is generated from `Action::ALL`).

use serde::Serialize;

macro_rules! actions {
    ($($variant:ident = $name:literal),+ $(,)?) => {
        /// What one change did: the first word of its message.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum Action { $(#[serde(rename = $name)] $variant),+ }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(Action::$variant => $name),+ }
            }

            pub fn parse(name: &str) -> Option<Action> {
                Self::ALL.iter().copied().find(|a| a.as_str() == name)
            }
        }
    };
}

actions! {
    GroupCreate = "group.create",
    GroupRetention = "group.retention",
    GroupTimeZone = "group.time_zone",
    GroupEpoch = "group.epoch",
    GroupOrganizerKey = "group.organizer_key",
    GroupRenew = "group.renew",
    GroupSchedule = "group.schedule",
    AreaAdd = "area.add",
    MemberAdd = "member.add",
    MemberJoin = "member.join",
    MemberRole = "member.role",
    MemberRemove = "member.remove",
    DeviceAdd = "device.add",
    DeviceRegister = "device.register",
    NeedAdd = "need.add",
    NeedStatus = "need.status",
    NeedContact = "need.contact",
    NeedForget = "need.forget",
    NeedRefer = "need.refer",
    ReferralTake = "referral.take",
    ReferralAccept = "referral.accept",
    ReferralReturn = "referral.return",
    ReferralProgress = "referral.progress",
    OfferAdd = "offer.add",
    OfferStatus = "offer.status",
    Assign = "assign",
    AssignmentStatus = "assignment.status",
    HoursLog = "hours.log",
    HoursConfirm = "hours.confirm",
    HoursDispute = "hours.dispute",
    HoursVoid = "hours.void",
    Resolve = "resolve",
}

/// A change's message: the action's name, then the id of every record it wrote. `GroupDoc::change`
/// writes it; history and generations read it back through `message_parts`.
pub(crate) fn message(action: Action, ids: &[uuid::Uuid]) -> String {
    std::iter::once(action.as_str().to_string()).chain(ids.iter().map(uuid::Uuid::to_string)).collect::<Vec<_>>().join(" ")
}

/// A message's action name (as written, so that one from a newer version still reads) and ids.
pub(crate) fn message_parts(message: &str) -> (&str, impl Iterator<Item = &str>) {
    let mut words = message.split_whitespace();
    (words.next().unwrap_or_default(), words)
}
