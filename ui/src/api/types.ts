// The shapes the Rust edge (src-tauri/src/dto.rs) sends and takes. Field names are snake_case,
// as serde writes them; times are RFC 3339 strings in UTC.

export type Role = 'organizer' | 'volunteer';
export type Category =
  | 'groceries' | 'meals' | 'medical' | 'transport' | 'childcare' | 'eldercare' | 'housing'
  | 'money' | 'translation' | 'paperwork' | 'tech_help' | 'household' | 'other';
export type Urgency = 'critical' | 'high' | 'normal' | 'low';
export type NeedStatus = 'open' | 'matched' | 'in_progress' | 'done' | 'cancelled' | 'expired' | 'referred';
export type OfferKind = 'skill' | 'item' | 'transport' | 'time';
export type OfferStatus = 'active' | 'paused' | 'withdrawn';
export type AssignmentStatus = 'proposed' | 'accepted' | 'declined' | 'done' | 'cancelled';
export type EntryStatus = 'pending' | 'confirmed' | 'disputed' | 'voided';
export type DiscoveryMode = 'off' | 'loopback' | 'lan';

export const CATEGORIES: Category[] = [
  'groceries', 'meals', 'medical', 'transport', 'childcare', 'eldercare', 'housing',
  'money', 'translation', 'paperwork', 'tech_help', 'household', 'other',
];
export const URGENCIES: Urgency[] = ['critical', 'high', 'normal', 'low'];
export const NEED_STATUSES: NeedStatus[] = ['open', 'matched', 'in_progress', 'done', 'cancelled', 'expired', 'referred'];
export const OFFER_KINDS: OfferKind[] = ['skill', 'item', 'transport', 'time'];

/** Every command error. `code` names the rule that failed (translate it), `field` the form
 * field it belongs to (show it inline), `message` is the English text (fallback), `params`
 * the values to put in a translated message. */
export interface AppError {
  kind: 'validation' | 'not_found' | 'not_ready' | 'conflict_gone' | 'network' | 'bundle' | 'invite' | 'storage' | 'privacy';
  code: string;
  field: string | null;
  message: string;
  params: Record<string, string | number>;
}

export interface Member {
  id: string;
  display_name: string;
  role: Role;
  languages: string[];
  skills: string[];
  home_area: string | null;
  device_ids: string[];
  removed_at: string | null;
  created_at: string;
}

export interface GroupInfo {
  id: string;
  name: string;
  /** Area names the group uses, sorted; empty means any name is accepted. */
  areas: string[];
  categories: Category[];
  /** Days after a need closes that its contact details are deleted. */
  expiry_days: number;
  /** Days past 'needed by' that an open need waits before it expires. */
  grace_days: number;
}

/** `new`: no group on this device yet (first run). `locked`: the device's encrypted database
 * exists and needs its passphrase (`unlock`). `waiting`: joined by invite, no record yet
 * (needs a first sync or bundle). `ready`: normal use. */
export interface Status {
  state: 'new' | 'locked' | 'waiting' | 'ready';
  /** Whether creating, joining or unlocking needs a passphrase typed; false when the environment
   * supplies it (then the UI shows no passphrase fields). */
  asks_passphrase: boolean;
  group: GroupInfo | null;
  me: Member | null;
  device_id: string | null;
  /** Where this device accepts syncs, e.g. "0.0.0.0:7878"; null while not listening. */
  listening: string | null;
  discovery: DiscoveryMode;
}

export interface NeedSummary {
  id: string;
  title: string;
  category: Category;
  urgency: Urgency;
  area: string;
  status: NeedStatus;
  volunteers_needed: number;
  /** Assignments holding or having filled a place (proposed, accepted, done). */
  filled: number;
  created_at: string;
  needed_by: string | null;
  created_by_name: string;
  /** Open conflicts about this need. */
  conflicts: number;
}

export interface Need {
  id: string;
  title: string;
  description: string;
  category: Category;
  urgency: Urgency;
  area: string;
  needed_by: string | null;
  window_start: string | null;
  languages: string[];
  household_size: number | null;
  recurring: boolean;
  volunteers_needed: number;
  status: NeedStatus;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface AssignmentView {
  id: string;
  need: string;
  need_title: string;
  need_area: string;
  need_urgency: Urgency;
  volunteer: string;
  volunteer_name: string;
  offer: string | null;
  assigned_by_name: string;
  status: AssignmentStatus;
  note: string;
  created_at: string;
  updated_at: string;
  /** Hours already logged for it (any status but voided). */
  hours_logged: boolean;
}

export interface FieldChange { field: string; old: unknown; new: unknown }
export interface HistoryEntry {
  change: string;
  at: string | null;
  by: string | null;
  by_name: string | null;
  /** e.g. "need.add", "need.status", "assign", "assignment.status", "resolve" */
  action: string;
  fields: FieldChange[];
}

export interface ConflictSide {
  value: unknown;
  assignment: string | null;
  entry: string | null;
  by: string | null;
  by_name: string | null;
  at: string | null;
}
export type ConflictKind =
  | { type: 'concurrent_edit' }
  | { type: 'done_versus_cancelled' }
  | { type: 'over_assigned'; volunteers_needed: number }
  | { type: 'over_capacity'; capacity: number }
  | { type: 'hours_logged_twice' };
export interface Conflict {
  id: string;
  kind: ConflictKind;
  collection: 'group' | 'members' | 'needs' | 'offers' | 'assignments' | 'resolutions' | 'hour_entries' | 'hour_verdicts' | 'actors';
  record: string;
  /** What a person recognises the record by: a need's title, a member's name. */
  label: string;
  field: string | null;
  /** For over_assigned/over_capacity each side is an assignment; its `value` is
   * {volunteer_name, status}. For edits, `value` is the value written. */
  sides: ConflictSide[];
}

/** Whether this device can show a need's contact details, and if not, why. */
export type ContactState = 'none' | 'readable' | 'not_yours' | 'forgotten' | 'expired';

/** The person a need helps, sealed: only organizers and the volunteers assigned can read it.
 * Every field may be empty (not all at once). */
export interface Contact {
  name: string;
  phone: string;
  email: string;
  address: string;
  notes: string;
}

export interface NeedDetail {
  need: Need;
  created_by_name: string;
  assignments: AssignmentView[];
  history: HistoryEntry[];
  conflicts: Conflict[];
  /** The details themselves come only from `need_contact`. */
  contact: ContactState;
}

export interface OfferView {
  id: string;
  member: string;
  member_name: string;
  what: string;
  categories: Category[];
  kind: OfferKind;
  area: string;
  availability: { weekly: string[]; dates: string[] };
  capacity: number;
  languages: string[];
  inexhaustible: boolean;
  status: OfferStatus;
  /** Open (proposed or accepted) assignments through this offer. */
  open_assignments: number;
  created_at: string;
}

/** One fact behind a score. `rule` picks the sentence; the other keys fill it in. */
export type Reason = { rule: string; points: number; text: string } & Record<string, unknown>;

export interface Candidate {
  offer: string;
  member: string;
  member_name: string;
  offer_what: string;
  score: number;
  reasons: Reason[];
}
export interface ExcludedOffer {
  offer: string;
  member: string;
  member_name: string;
  offer_what: string;
  why: { type: string; text: string } & Record<string, unknown>;
}
export interface Ranking {
  need: string;
  places_left: number;
  candidates: Candidate[];
  excluded: ExcludedOffer[];
}

export interface ProposalView extends Candidate { need: string; need_title: string; need_urgency: Urgency }
export interface Batch {
  proposals: ProposalView[];
  total_score: number;
  unfilled: { need: string; need_title: string; places_left: number }[];
}
export interface Pick { need: string; member: string; offer: string }

export interface HourEntryView {
  id: string;
  from: string;
  from_name: string;
  /** A member id, or "group". */
  to: string;
  to_name: string;
  hours: number;
  assignment: string | null;
  category: Category | null;
  note: string;
  created_at: string;
  status: EntryStatus;
}

export interface StatementLine {
  entry: string;
  at: string;
  with: string;
  with_name: string;
  /** Positive: hours earned (given help); negative: hours spent (received help). */
  hours: number;
  status: EntryStatus;
  balance: number;
  category: Category | null;
  note: string;
}
export interface MyHours {
  given: number;
  received: number;
  net: number;
  lines: StatementLine[];
  csv: string;
}

export interface Invite { link: string; code: string; qr_svg: string }

export interface Peer {
  device: string;
  member: string | null;
  address: string | null;
  last_synced_at: string | null;
}
export interface Nearby { address: string; seen_at: string }

export interface Counts { new: number; updated: number }
export interface Progress {
  frames_sent: number;
  frames_received: number;
  bytes_sent: number;
  bytes_received: number;
  changes_received: number;
  changes_in_last_message: number;
}
export interface Digest {
  needs: Counts;
  offers: Counts;
  assignments: Counts;
  members: Counts;
  hours: Counts;
  group_changed: boolean;
  conflicts: Conflict[];
  progress: Progress;
}

export interface NewNeedInput {
  title: string;
  description: string;
  category: Category;
  urgency: Urgency;
  area: string;
  /** RFC 3339, or null */
  needed_by: string | null;
  volunteers_needed: number;
  household_size: number | null;
  languages: string[];
  recurring: boolean;
}

export interface NewOfferInput {
  what: string;
  categories: Category[];
  kind: OfferKind;
  area: string;
  capacity: number;
  languages: string[];
  /** Weekly slots like "mon 09:00-12:00". */
  weekly: string[];
  inexhaustible: boolean;
}

export interface NeedFilter {
  status?: NeedStatus | null;
  /** Only needs still taking volunteers: open, matched or in progress. */
  active_only?: boolean;
  category?: Category | null;
  urgency?: Urgency | null;
  area?: string | null;
  search?: string | null;
}

export interface NewHoursInput {
  assignment: string | null;
  /** A member id, or "group". */
  to: string;
  /** As typed: "1.5", "0.25". */
  hours: string;
  note: string;
}

// Events the backend emits (listen with @tauri-apps/api/event).
export interface SyncProgressEvent {
  address: string | null;
  peer: string | null;
  phase: 'connecting' | 'syncing' | 'done' | 'failed';
  progress: Progress;
  message: string | null;
}
export interface SyncDigestEvent { address: string | null; peer: string; peer_name: string | null; digest: Digest }
export const EVENTS = {
  dataChanged: 'data-changed',
  syncProgress: 'sync-progress',
  syncDigest: 'sync-digest',
  peerFound: 'peer-found',
  peerLost: 'peer-lost',
  conflictAppeared: 'conflict-appeared',
} as const;
