// Hours as people type them: "1.5", "1,5" (Spanish decimal comma), "1:30", "45m"... in whole
// quarter hours, more than 0 and at most 24. The backend takes the normalized text.

export type HoursParse = { ok: true; value: number; text: string } | { ok: false; code: 'empty' | 'not_quarter_hours' | 'hours_out_of_range' };

export function parseHours(input: string): HoursParse {
  const s = input.trim().toLowerCase().replace(/\s+/g, '');
  if (s === '') return { ok: false, code: 'empty' };
  let value: number;
  let m: RegExpExecArray | null;
  if ((m = /^(\d{1,2}):([0-5]\d)$/.exec(s))) {
    value = Number(m[1]) + Number(m[2]) / 60;
  } else if ((m = /^(\d+)m(in)?$/.exec(s))) {
    value = Number(m[1]) / 60;
  } else if ((m = /^(\d+(?:[.,]\d+)?|[.,]\d+)h?$/.exec(s))) {
    value = Number(m[1].replace(',', '.'));
  } else {
    return { ok: false, code: 'not_quarter_hours' };
  }
  if (!Number.isFinite(value)) return { ok: false, code: 'not_quarter_hours' };
  const quarters = value * 4;
  if (Math.abs(quarters - Math.round(quarters)) > 1e-9) return { ok: false, code: 'not_quarter_hours' };
  if (value <= 0 || value > 24) return { ok: false, code: 'hours_out_of_range' };
  const rounded = Math.round(quarters) / 4;
  return { ok: true, value: rounded, text: String(rounded) };
}

/** A signed balance for display: "+3.5", "-1.25", "0" (ASCII signs, so it reads and copies plainly). */
export function signedHours(n: number, format: (n: number) => string): string {
  if (n === 0) return format(0);
  return (n > 0 ? '+' : '-') + format(Math.abs(n));
}
