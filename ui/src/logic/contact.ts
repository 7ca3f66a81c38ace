// The sealed contact details of the person a need helps: the form's checks (mirroring crdt-core
// seal.rs `Contact::validate`) and the lines shown once they are opened.
import { MAX_ADDRESS, MAX_CONTACT_NAME, MAX_EMAIL, MAX_PHONE, MAX_TEXT, type Contact, type Field } from '../api/generated';
import type { FieldErrors } from './validation';

/** Form fields, named as the backend's errors name them, in form order. */
export type ContactField = Extract<Field, 'contact_name' | 'phone' | 'email' | 'address' | 'notes'>;
export const CONTACT_FIELDS: ContactField[] = ['contact_name', 'phone', 'email', 'address', 'notes'];

/** Each form field's key in Contact and the core's length limit. */
export const CONTACT_KEYS: Record<ContactField, { key: keyof Contact; max: number }> = {
  contact_name: { key: 'name', max: MAX_CONTACT_NAME },
  phone: { key: 'phone', max: MAX_PHONE },
  email: { key: 'email', max: MAX_EMAIL },
  address: { key: 'address', max: MAX_ADDRESS },
  notes: { key: 'notes', max: MAX_TEXT },
};

export function emptyContact(): Contact {
  return { name: '', phone: '', email: '', address: '', notes: '' };
}

export function contactIsEmpty(c: Contact): boolean {
  return [c.name, c.phone, c.email, c.address, c.notes].every((v) => v.trim() === '');
}

/** Errors by field; `contact` when every field is empty. */
export function validateContact(c: Contact): FieldErrors<ContactField | 'contact'> {
  const errors: FieldErrors<ContactField | 'contact'> = {};
  for (const f of CONTACT_FIELDS) {
    const { key, max } = CONTACT_KEYS[f];
    if ([...c[key]].length > max) errors[f] = { code: 'too_long', params: { max } };
  }
  if (contactIsEmpty(c)) errors.contact = { code: 'empty' };
  return errors;
}

/** What is sent: every field trimmed. */
export function contactInput(c: Contact): Contact {
  return { name: c.name.trim(), phone: c.phone.trim(), email: c.email.trim(), address: c.address.trim(), notes: c.notes.trim() };
}

export interface ContactLine {
  field: ContactField;
  value: string;
  /** A tel: or mailto: link, when the value can be one. */
  href: string | null;
}

/** The non-empty fields, in form order, with links for the phone and the email. */
export function contactLines(c: Contact): ContactLine[] {
  const lines: ContactLine[] = [];
  for (const field of CONTACT_FIELDS) {
    const value = c[CONTACT_KEYS[field].key].trim();
    if (!value) continue;
    let href: string | null = null;
    if (field === 'phone') {
      const digits = value.replace(/[^\d+]/g, '').replace(/(?!^)\+/g, '');
      href = /\d/.test(digits) ? `tel:${digits}` : null;
    } else if (field === 'email') {
      href = /^[^\s@]+@[^\s@]+$/.test(value) ? `mailto:${encodeURI(value)}` : null;
    }
    lines.push({ field, value, href });
  }
  return lines;
}
