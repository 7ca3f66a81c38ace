// Invites as text: a quick check of scanned or pasted text before it goes to the core, which
// does the real parsing (checksum, version) when joining.

/** How every invite link starts (crdt-core's `LINK_PREFIX`). */
export const INVITE_LINK_PREFIX = 'aidmesh:join?';

/** A real short code has 85 letters and digits; anything much shorter is some other QR code. */
const MIN_CODE_CHARS = 20;

/**
 * True when the text could be an aidmesh invite: a link starting with `aidmesh:join?`, or a code
 * of letters and digits, optionally in dash-separated groups. Surrounding whitespace is ignored.
 */
export function looksLikeInvite(text: string): boolean {
  const s = text.trim();
  if (s.startsWith(INVITE_LINK_PREFIX)) return s.length > INVITE_LINK_PREFIX.length && !/\s/.test(s);
  return /^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$/.test(s) && s.replace(/-/g, '').length >= MIN_CODE_CHARS;
}

/** True when the devices list (from `enumerateDevices`) has a camera. */
export function hasVideoInput(devices: readonly { kind: string }[]): boolean {
  return devices.some((d) => d.kind === 'videoinput');
}
