import { describe, expect, it } from 'vitest';
import type { NeedSummary } from '../api/generated';
import { activeFilterCount, DEFAULT_NEEDS_FILTER, sortNeeds, toNeedFilter } from './filters';

const n = (id: string, p: Partial<NeedSummary>): NeedSummary => ({
  id, title: id, category: 'meals', urgency: 'normal', area: 'North', status: 'open', volunteers_needed: 1, filled: 0,
  created_at: '2025-03-01T00:00:00Z', needed_by: null, created_by_name: 'Ana', conflicts: 0, referral: null, referred_from: null, ...p,
});

describe('need filters', () => {
  it('defaults to active needs: no one status, the backend keeps those still taking volunteers', () => {
    expect(toNeedFilter(DEFAULT_NEEDS_FILTER)).toEqual({ status: null, active_only: true, category: null, urgency: null, area: null, search: null });
  });

  it('passes one status, category, urgency, area and a trimmed search', () => {
    expect(toNeedFilter({ status: 'done', category: 'medical', urgency: 'critical', area: ' North ', search: '  rice ' })).toEqual({
      status: 'done', active_only: false, category: 'medical', urgency: 'critical', area: 'North', search: 'rice',
    });
    expect(toNeedFilter({ ...DEFAULT_NEEDS_FILTER, status: 'all', search: '   ' })).toEqual({ status: null, active_only: false, category: null, urgency: null, area: null, search: null });
  });

  it('counts filters that differ from the default', () => {
    expect(activeFilterCount(DEFAULT_NEEDS_FILTER)).toBe(0);
    expect(activeFilterCount({ ...DEFAULT_NEEDS_FILTER, category: 'meals', area: 'x', search: 'ignored' })).toBe(2);
  });

  it('sorts active and urgent first, then longest waiting', () => {
    const list = [
      n('done-critical', { status: 'done', urgency: 'critical' }),
      n('low-old', { urgency: 'low', created_at: '2025-01-01T00:00:00Z' }),
      n('critical-new', { urgency: 'critical', created_at: '2025-03-05T00:00:00Z' }),
      n('critical-old', { urgency: 'critical', created_at: '2025-03-01T00:00:00Z' }),
    ];
    expect(sortNeeds(list).map((x) => x.id)).toEqual(['critical-old', 'critical-new', 'low-old', 'done-critical']);
  });
});
