// One typed function per Tauri command (src-tauri/src/commands.rs). A rejected promise carries an
// AppError.
import { invoke } from '@tauri-apps/api/core';
import type {
  AppError, ArchiveView, AssignmentStatus, BatchView, Conflict, Contact, IgnoredView, Digest, HourEntryView, InviteView, Member, MyHours,
  BundleWritten, GroupInfo, GroupSummary, ImportChoices, ListsWritten, ImportPreview, Imported, Nearby, NeedDetail, NeedFilterInput, NeedStatus, NeedSummary, NewHoursInput, NewNeedInput,
  NewOfferInput, OfferStatus, OfferView, Peer, Pick, Purge, PurgedText, RankingView, RenewalPreviewView, Role, Status, AssignmentView,
} from './generated';

export const api = {
  status: () => invoke<Status>('status'),
  /** Opens the device's encrypted database; a wrong passphrase rejects with code `wrong_key`. */
  unlock: (passphrase: string) => invoke<Status>('unlock', { passphrase }),
  /** `passphrase`: null when the status doesn't ask for one (the environment gives it). */
  createGroup: (groupName: string, yourName: string, role: Role, passphrase: string | null) =>
    invoke<Status>('create_group', { groupName, yourName, role, passphrase }),
  /** Joins with a link or short code; syncs at once when the invite carries an address. */
  joinGroup: (invite: string, yourName: string, passphrase: string | null) => invoke<Status>('join_group', { invite, yourName, passphrase }),

  /** The groups this device is in, for the switcher. */
  listGroups: () => invoke<GroupSummary[]>('list_groups'),
  /** Puts another group on screen: lists, badges and syncs by address follow it. */
  switchGroup: (id: string) => invoke<Status>('switch_group', { id }),
  /** Sends a need to another group on this device (organizers); `area` null keeps its own;
   * `withContact` sends the person's details too (refused without their consent). */
  referNeed: (id: string, to: string, area: string | null, note: string, withContact: boolean) =>
    invoke<NeedSummary>('refer_need', { id, to, area, note, withContact }),
  /** Accepts a referred need (`reason` null), or returns it to the group that sent it. */
  answerReferral: (id: string, reason: string | null) => invoke<NeedSummary>('answer_referral', { id, reason }),

  listNeeds: (filter: NeedFilterInput) => invoke<NeedSummary[]>('list_needs', { filter }),
  getNeed: (id: string) => invoke<NeedDetail>('get_need', { id }),
  /** The sealed contact details, for organizers and the volunteers assigned. */
  needContact: (id: string) => invoke<Contact>('need_contact', { id }),
  setNeedContact: (id: string, contact: Contact) => invoke<null>('set_need_contact', { id, contact }),
  /** Not undoable: every device that syncs deletes the key to the details. */
  forgetNeedContact: (id: string) => invoke<null>('forget_need_contact', { id }),
  /** The needs whose contact details this device can open that have this phone number. */
  needsWithPhone: (phone: string) => invoke<NeedSummary[]>('needs_with_phone', { phone }),
  addNeed: (input: NewNeedInput) => invoke<NeedSummary>('add_need', { input }),
  setNeedStatus: (id: string, status: NeedStatus) => invoke<NeedSummary>('set_need_status', { id, status }),

  /** `mine`: only this member's offers. */
  listOffers: (mine: boolean) => invoke<OfferView[]>('list_offers', { mine }),
  addOffer: (input: NewOfferInput) => invoke<OfferView>('add_offer', { input }),
  setOfferStatus: (id: string, status: OfferStatus) => invoke<OfferView>('set_offer_status', { id, status }),

  rankNeed: (id: string) => invoke<RankingView>('rank_need', { id }),
  assign: (need: string, member: string, offer: string | null) => invoke<AssignmentView>('assign', { need, member, offer }),
  proposeBatch: () => invoke<BatchView>('propose_batch'),
  applyBatch: (picks: Pick[]) => invoke<AssignmentView[]>('apply_batch', { picks }),

  /** The dry run of importing a sheet of requests (the file's bytes as they are); writes nothing. */
  previewImport: (bytes: number[], choices: ImportChoices) => invoke<ImportPreview>('preview_import', { bytes, choices }),
  /** Imports in one durable write if the dry run is ready, else rejects with `import_not_ready`;
   *  `import-progress` events tell how far it has got. */
  applyImport: (bytes: number[], choices: ImportChoices) => invoke<Imported>('apply_import', { bytes, choices }),
  /** Built-in presets, then those saved on this device. */
  importPresets: () => invoke<string[]>('import_presets'),

  /** The lists as CSV files in a new folder in the downloads folder; contact details only when
   *  asked for, on an organizer's device. */
  exportLists: (withContacts: boolean) => invoke<ListsWritten>('export_lists', { withContacts }),

  /** A blank paper intake sheet in `lang`, saved to the downloads folder to print. */
  saveIntakeSheet: (lang: string) => invoke<BundleWritten>('save_intake_sheet', { lang }),

  listConflicts: () => invoke<Conflict[]>('list_conflicts'),
  /** The meeting report over whole days (YYYY-MM-DD, the last included), as one HTML element
   *  built by the Rust side with every text from the record escaped. */
  meetingReport: (firstDay: string, lastDay: string, by: 'week' | 'month', lang: string) =>
    invoke<string>('meeting_report', { firstDay, lastDay, by, lang }),
  /** This group's totals for those days (counts only, signed), saved to the downloads folder. */
  exportTotals: (firstDay: string, lastDay: string) => invoke<{ path: string; bytes: number }>('export_totals', { firstDay, lastDay }),
  /** Other chapters' totals files with this group's own, side by side and in sum, as HTML. */
  networkReport: (files: number[][], lang: string) => invoke<string>('network_report', { files, lang }),
  /** Changes with no effect because their author had no right to them, oldest first. */
  listIgnored: () => invoke<IgnoredView[]>('list_ignored'),
  /** `keep`: indexes into the conflict's sides. */
  resolveConflict: (id: string, keep: number[]) => invoke<void>('resolve_conflict', { id, keep }),

  myAssignments: () => invoke<AssignmentView[]>('my_assignments'),
  setAssignmentStatus: (id: string, status: AssignmentStatus) => invoke<AssignmentView>('set_assignment_status', { id, status }),

  logHours: (input: NewHoursInput) => invoke<HourEntryView>('log_hours', { input }),
  /** Entries logged to this member (or to the group, for organizers) waiting for a confirmation. */
  hoursToConfirm: () => invoke<HourEntryView[]>('hours_to_confirm'),
  confirmHours: (id: string) => invoke<HourEntryView>('confirm_hours', { id }),
  disputeHours: (id: string, reason: string) => invoke<HourEntryView>('dispute_hours', { id, reason }),
  myHours: () => invoke<MyHours>('my_hours'),

  listMembers: () => invoke<Member[]>('list_members'),
  setMemberRole: (id: string, role: Role) => invoke<Member>('set_member_role', { id, role }),
  /** Organizers only; the group moves to a new secret the removed member's devices never get. */
  removeMember: (id: string, renew: boolean) => invoke<null>('remove_member', { id, renew }),
  invite: (address: string | null) => invoke<InviteView>('invite', { address }),
  /** Organizers only: days contact details are kept after a need closes, and days an open need
   * waits past 'needed by' before it expires. Out of range rejects with code `days_out_of_range`. */
  setRetention: (expiryDays: number, graceDays: number) => invoke<GroupInfo>('set_retention', { expiryDays, graceDays }),
  /** Organizers only: the group's time zone (an IANA name such as "Europe/Madrid"); a date typed
   * alone means the end of that day there. An unknown name rejects with code `bad_time_zone`. */
  setTimeZone: (timeZone: string) => invoke<GroupInfo>('set_time_zone', { timeZone }),
  setRenewalSchedule: (months: number) => invoke<Status>('set_renewal_schedule', { months }),

  /** What renewing the group's record would do now, leaving out the text of `purges`
   * (organizers). A purge that cannot be done rejects as renewing would. */
  renewalPreview: () => invoke<RenewalPreviewView>('renewal_preview'),
  purgedTexts: (purges: Purge[]) => invoke<PurgedText[]>('purged_texts', { purges }),
  /** Organizers only, and not undoable: a new record starts from the state now, without the text
   * of `purges`; this device keeps the old one as an archive. Open conflicts reject with
   * `conflicts_open`. */
  renew: (purges: Purge[]) => invoke<null>('renew', { purges }),
  /** How many older records of the group this device keeps since a renewal. */
  archiveInfo: () => invoke<ArchiveView>('archive_info'),
  /** Deletes them and says how many: this device can then no longer sync with devices still on them. */
  deleteArchive: () => invoke<number>('delete_archive'),

  peers: () => invoke<Peer[]>('peers'),
  nearby: () => invoke<Nearby[]>('nearby'),
  /** Syncs with a device at "host:port". Progress and the digest also arrive as events. */
  syncWith: (address: string) => invoke<Digest>('sync_with', { address }),
  /** Writes a sealed bundle of everything to the device's downloads folder; returns its path. */
  exportBundle: () => invoke<{ path: string; bytes: number }>('export_bundle'),
  importBundle: (bytes: number[]) => invoke<Digest>('import_bundle', { bytes }),
};

export function isAppError(e: unknown): e is AppError {
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e;
}
