import { describe, expect, it } from 'vitest';
import { contactInput, contactIsEmpty, contactLines, emptyContact, validateContact } from './contact';

describe('contact form', () => {
  it('needs at least one field', () => {
    expect(validateContact(emptyContact())).toEqual({ contact: { code: 'empty' } });
    expect(validateContact({ ...emptyContact(), notes: '   ' }).contact?.code).toBe('empty');
    expect(validateContact({ ...emptyContact(), phone: '555 0100' })).toEqual({});
    expect(contactIsEmpty({ ...emptyContact(), address: 'Elm St' })).toBe(false);
  });

  it('limits lengths like the core, by form field', () => {
    expect(validateContact({ ...emptyContact(), name: 'x'.repeat(200) })).toEqual({});
    expect(validateContact({ ...emptyContact(), name: 'x'.repeat(201) }).contact_name).toEqual({ code: 'too_long', params: { max: 200 } });
    expect(validateContact({ ...emptyContact(), phone: '1'.repeat(65) }).phone?.code).toBe('too_long');
    expect(validateContact({ ...emptyContact(), email: 'a'.repeat(255) }).email?.code).toBe('too_long');
    expect(validateContact({ ...emptyContact(), address: 'a'.repeat(501) }).address?.code).toBe('too_long');
    expect(validateContact({ ...emptyContact(), notes: 'a'.repeat(4001) }).notes?.code).toBe('too_long');
  });

  it('trims what it sends', () => {
    expect(contactInput({ name: ' Ana ', phone: ' 1 ', email: '', address: ' x\n', notes: 'n ' })).toEqual({ name: 'Ana', phone: '1', email: '', address: 'x', notes: 'n' });
  });
});

describe('contact lines', () => {
  it('lists only the non-empty fields, in form order', () => {
    const lines = contactLines({ name: 'Ana', phone: '', email: '  ', address: '5 Elm St', notes: 'Ring twice' });
    expect(lines.map((l) => l.field)).toEqual(['contact_name', 'address', 'notes']);
    expect(lines.every((l) => l.href === null)).toBe(true);
    expect(contactLines(emptyContact())).toEqual([]);
  });

  it('links phones and emails', () => {
    const [phone, email] = contactLines({ ...emptyContact(), phone: '+1 (555) 010-0199', email: 'ana@example.org' });
    expect(phone).toEqual({ field: 'phone', value: '+1 (555) 010-0199', href: 'tel:+15550100199' });
    expect(email).toEqual({ field: 'email', value: 'ana@example.org', href: 'mailto:ana@example.org' });
  });

  it('leaves text that is no number or address unlinked', () => {
    expect(contactLines({ ...emptyContact(), phone: 'ask at the shop' })[0].href).toBeNull();
    expect(contactLines({ ...emptyContact(), email: 'not an email' })[0].href).toBeNull();
  });
});
