import { describe, expect, it } from 'vitest';
import type { AppError, Conflict, IgnoredView, ReasonView } from '../api/generated';
import { createTranslator } from '../i18n/core';
import { describeError, exclusionText, ignoredText, reasonText, sideText, slotText, valueText } from './words';

const en = createTranslator('en');
const es = createTranslator('es');
// Codes outside the contract too: the wording must not break on one.
const err = (p: Partial<Omit<AppError, 'code'>> & { code?: string }): AppError =>
  ({ kind: 'validation', code: 'x', field: null, message: 'English message', params: {}, ...p }) as AppError;

describe('errors', () => {
  it('translates by code', () => {
    expect(describeError(err({ code: 'need_full' }), es).text).toBe('Esta necesidad ya tiene todos los voluntarios que pedía.');
    expect(describeError(err({ code: 'empty', field: 'title' }), en)).toEqual({ code: 'empty', field: 'title', text: 'This can’t be empty.' });
  });
  it('falls back to the message for unknown codes or missing params', () => {
    expect(describeError(err({ code: 'brand_new' }), en).text).toBe('English message');
    expect(describeError(err({ code: 'too_long' }), en).text).toBe('English message');
    // Other languages prefer a translated sentence for the error's kind over English text.
    expect(describeError(err({ code: 'brand_new', kind: 'network' }), es).text).toMatch(/^No se pudo conectar/);
    expect(describeError(err({ code: 'brand_new', kind: 'bundle' }), es).text).toMatch(/paquete/);
    expect(describeError(err({ code: 'too_long', params: { max: 200 } }), es).text).toBe('Es demasiado largo: como mucho 200 caracteres.');
  });
  it('translates the passphrase and privacy codes', () => {
    expect(describeError(err({ code: 'wrong_key', field: 'passphrase' }), es)).toEqual({ code: 'wrong_key', field: 'passphrase', text: 'Esa frase de contraseña no es correcta, o los datos de este teléfono están dañados. No se cambió nada; revisa la frase e inténtalo de nuevo.' });
    expect(describeError(err({ kind: 'privacy', code: 'contact_not_yours' }), en).text).toMatch(/^Only organizers/);
    // A privacy code this UI doesn't know yet still reads in Spanish, by its kind.
    expect(describeError(err({ kind: 'privacy', code: 'brand_new' }), es).text).toMatch(/datos de contacto/);
  });
  it('handles plain strings and errors', () => {
    expect(describeError('boom', en).text).toBe('boom');
    expect(describeError(new Error('bad'), en).text).toBe('bad');
    expect(describeError(42, en).text).toBe('Something went wrong. Please try again.');
  });
});

describe('reasons and exclusions', () => {
  const r = (rule: string, extra: Record<string, unknown> = {}): ReasonView => ({ rule, points: 1, text: 'fallback', ...extra }) as ReasonView;
  it('fills params, translated', () => {
    expect(reasonText(r('category', { category: 'tech_help' }), es)).toBe('Ofrece ayuda con tecnología');
    expect(reasonText(r('distance', { km: 2.345 }), en)).toBe('About 2.3 km away');
    expect(reasonText(r('waiting', { days: 1 }), en)).toBe('Waiting 1 day');
    expect(reasonText(r('waiting', { days: 5 }), es)).toBe('Lleva 5 días esperando');
    expect(reasonText(r('load', { open: 1, capacity: 3 }), en)).toBe('Has 1 of 3 open assignments');
    expect(reasonText(r('urgency', { urgency: 'critical' }), es)).toBe('Urgencia: Crítica');
    expect(reasonText(r('shared_language', { language: 'es' }), en)).toBe('Speaks Spanish');
    expect(reasonText(r('no_shared_language', { needed: ['fr', 'de'] }), en)).toBe('Speaks none of: French and German');
    expect(reasonText(r('free_weekly', { slot: 'mon 09:00-12:00', on: '2025-03-10' }), en)).toMatch(/^Free Monday 09:00–12:00 \(Mon, (Mar 10|10 Mar)\)$/);
    expect(reasonText(r('inexhaustible'), es)).toBe('No se agota nunca');
  });
  it('falls back to the backend text for unknown rules', () => {
    expect(reasonText(r('something_new'), en)).toBe('fallback');
  });
  it('words exclusions by type', () => {
    expect(exclusionText({ type: 'offer_not_active', status: 'paused', text: 't' }, es)).toBe('La oferta está en pausa');
    expect(exclusionText({ type: 'already_assigned', status: 'accepted', text: 't' }, en)).toBe('Already assigned to this need (accepted)');
    expect(exclusionText({ type: 'category_not_offered', offered: ['meals', 'groceries'], text: 't' }, en)).toBe('Only offers meals and groceries');
    expect(exclusionText({ type: 'at_capacity', open: 2, capacity: 2, text: 't' }, en)).toBe('At capacity (2 of 2 open assignments)');
    expect(exclusionText({ type: 'declined', text: 't' }, en)).toBe('Declined this need');
  });
  it('reads slots as strings or objects', () => {
    expect(slotText('tue 18:00-20:00', es)).toBe('martes de 18:00 a 20:00');
    expect(slotText({ day: 'Wed', start: '09:00:00', end: '10:30:00' }, en)).toBe('Wednesday 09:00–10:30');
  });
});

describe('values', () => {
  it('translates statuses and empties', () => {
    expect(valueText('status', 'in_progress', es)).toBe('En curso');
    expect(valueText('status', 'paused', en, 'offers')).toBe('Paused');
    expect(valueText('title', null, en)).toBe('(empty)');
    expect(valueText('recurring', true, es)).toBe('Sí');
    expect(valueText('categories', ['meals', 'medical'], en)).toBe('Meals and Medical');
    expect(valueText('sealed_contact', 'bm9uY2UgYW5kIGNpcGhlcnRleHQ=', en)).toBe('(sealed)');
    expect(valueText('sealed_contact', null, es)).toBe('(vacío)');
  });
  it('shows conflict sides', () => {
    const c = { id: '1', kind: { type: 'over_assigned', volunteers_needed: 1 }, collection: 'assignments', record: 'n', label: 'L', field: null, sides: [] } as Conflict;
    const side = { value: { volunteer_name: 'Ana', status: 'accepted' }, assignment: 'a', entry: null, by: null, by_name: 'Bo', at: null };
    expect(sideText(c, side, es)).toBe('Ana (Aceptada)');
    const edit = { ...c, kind: { type: 'concurrent_edit' }, collection: 'needs', field: 'status' } as Conflict;
    expect(sideText(edit, { ...side, value: 'done' }, en)).toBe('Done');
  });
});

describe('ignored changes', () => {
  const ignored = (p: Partial<IgnoredView>): IgnoredView =>
    ({ change: 'c', attempt: 'role', by_name: 'Victor', target_name: null, own: false, at: '2030-01-01T18:02:00Z', ...p }) as IgnoredView;
  it('say who tried what, in both languages', () => {
    expect(ignoredText(ignored({ target_name: 'Victor', own: true }), en)).toBe('Victor tried to change their own role');
    expect(ignoredText(ignored({ target_name: 'Ana' }), es)).toBe('Victor intentó cambiar el rol de Ana');
    expect(ignoredText(ignored({ attempt: 'hours' }), en)).toBe('Victor tried to confirm, dispute or void hours');
    expect(ignoredText(ignored({ attempt: 'archived_hours' }), es)).toMatch(/^Victor confirmó, disputó o anuló horas que ya estaban saldadas/);
    expect(ignoredText(ignored({ attempt: 'equivocation' }), es)).toMatch(/^Un dispositivo de Victor firmó dos cambios distintos/);
    expect(ignoredText(ignored({ attempt: 'settings', by_name: null }), es)).toMatch(/^Un dispositivo .* intentó cambiar la configuración/);
    // A kind this UI doesn't know yet still reads as a sentence.
    expect(ignoredText(ignored({ attempt: 'brand_new' as IgnoredView['attempt'] }), en)).toBe('Victor made a change they had no right to');
  });
});
