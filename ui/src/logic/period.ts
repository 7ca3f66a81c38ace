// The meeting report's period: a few presets organizers ask for, as whole local days
// (YYYY-MM-DD, the last day included), worked out from today.

export type Preset = 'four_weeks' | 'this_month' | 'last_month' | 'three_months';
export const PRESETS: Preset[] = ['four_weeks', 'this_month', 'last_month', 'three_months'];

export interface Days { first: string; last: string }

function iso(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function presetDays(preset: Preset, today: Date): Days {
  const y = today.getFullYear();
  const m = today.getMonth();
  switch (preset) {
    case 'four_weeks':
      return { first: iso(new Date(y, m, today.getDate() - 27)), last: iso(today) };
    case 'this_month':
      return { first: iso(new Date(y, m, 1)), last: iso(today) };
    case 'last_month':
      return { first: iso(new Date(y, m - 1, 1)), last: iso(new Date(y, m, 0)) };
    case 'three_months':
      return { first: iso(new Date(y, m - 2, 1)), last: iso(today) };
  }
}
