import { describe, expect, it } from 'vitest';
import { hasVideoInput, looksLikeInvite } from './invite';

// Shapes as crdt-core writes them (Invite::to_link / Invite::to_code).
const LINK = 'aidmesh:join?v=1&g=0f8fad5bd9cb469fa16570867728950e&k=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43UOV3HO6DZPIYTEMZUGU3A&a=192.168.1.20:7370&c=1a2b3c4d';
const CODE = 'AEHY7-LK3ZS-2GTUF-UFOEG-O5EUS-QHBRZ-ZWJGK-ZQI2N-GYO3M-NYRVZ-EYT7F-OGRYJ-P7JX4-DZKLZ-TW7ZY-QSUIQ-YDAMM';

describe('looksLikeInvite', () => {
  it('accepts links and codes', () => {
    expect(looksLikeInvite(LINK)).toBe(true);
    expect(looksLikeInvite(CODE)).toBe(true);
    expect(looksLikeInvite(CODE.toLowerCase())).toBe(true);
    expect(looksLikeInvite(CODE.replace(/-/g, ''))).toBe(true);
  });

  it('ignores surrounding whitespace', () => {
    expect(looksLikeInvite(`  ${LINK}\n`)).toBe(true);
    expect(looksLikeInvite(`\t${CODE} `)).toBe(true);
  });

  it('refuses other QR contents', () => {
    expect(looksLikeInvite('')).toBe(false);
    expect(looksLikeInvite('   ')).toBe(false);
    expect(looksLikeInvite('aidmesh:join?')).toBe(false);
    expect(looksLikeInvite('https://example.org/join?v=1')).toBe(false);
    expect(looksLikeInvite('AIDMESH:JOIN?v=1&g=x')).toBe(false);
    expect(looksLikeInvite('WIFI:S:home;T:WPA;P:secret;;')).toBe(false);
    expect(looksLikeInvite('4006381333931')).toBe(false); // a product barcode's digits
    expect(looksLikeInvite('hello world this is a sentence')).toBe(false);
    expect(looksLikeInvite('AEHY7--LK3ZS-2GTUF-UFOEG-O5EUS')).toBe(false);
    expect(looksLikeInvite('-AEHY7-LK3ZS-2GTUF-UFOEG-O5EUS')).toBe(false);
    expect(looksLikeInvite('aidmesh:join?v=1 and more text')).toBe(false);
  });
});

describe('hasVideoInput', () => {
  it('finds a camera among the devices', () => {
    expect(hasVideoInput([])).toBe(false);
    expect(hasVideoInput([{ kind: 'audioinput' }, { kind: 'audiooutput' }])).toBe(false);
    expect(hasVideoInput([{ kind: 'audioinput' }, { kind: 'videoinput' }])).toBe(true);
  });
});
