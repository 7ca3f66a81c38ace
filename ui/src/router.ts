// Hash routes ("#/needs/ID"), so the app works from files inside the Tauri bundle.
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { name: 'needs' }
  | { name: 'need-new' }
  | { name: 'need'; id: string }
  | { name: 'offers' }
  | { name: 'offer-new' }
  | { name: 'organize' }
  | { name: 'match'; id: string }
  | { name: 'batch' }
  | { name: 'conflicts' }
  | { name: 'report' }
  | { name: 'import' }
  | { name: 'mine' }
  | { name: 'sync' }
  | { name: 'members' }
  | { name: 'settings' }
  | { name: 'renew' }
  | { name: 'groups' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [a, b, c] = parts;
  switch (a) {
    case undefined:
    case 'needs':
      if (b === 'new') return { name: 'need-new' };
      if (b) return { name: 'need', id: b };
      return { name: 'needs' };
    case 'offers': return b === 'new' ? { name: 'offer-new' } : { name: 'offers' };
    case 'organize':
      if (b === 'match' && c) return { name: 'match', id: c };
      if (b === 'batch') return { name: 'batch' };
      if (b === 'conflicts') return { name: 'conflicts' };
      if (b === 'report') return { name: 'report' };
      if (b === 'import') return { name: 'import' };
      return { name: 'organize' };
    case 'mine': return { name: 'mine' };
    case 'sync': return { name: 'sync' };
    case 'members': return { name: 'members' };
    case 'settings': return b === 'renew' ? { name: 'renew' } : { name: 'settings' };
    case 'groups': return { name: 'groups' };
    default: return { name: 'needs' };
  }
}

/** The bottom-bar tab a route belongs to. */
export function tabOf(r: Route): string {
  switch (r.name) {
    case 'needs': case 'need-new': case 'need': return 'needs';
    case 'offers': case 'offer-new': return 'offers';
    case 'organize': case 'match': case 'batch': case 'conflicts': case 'report': case 'import': return 'organize';
    case 'renew': return 'settings';
    default: return r.name;
  }
}

export const href = {
  needs: () => '#/needs',
  needNew: () => '#/needs/new',
  need: (id: string) => `#/needs/${encodeURIComponent(id)}`,
  offers: () => '#/offers',
  offerNew: () => '#/offers/new',
  organize: () => '#/organize',
  match: (id: string) => `#/organize/match/${encodeURIComponent(id)}`,
  batch: () => '#/organize/batch',
  conflicts: () => '#/organize/conflicts',
  report: () => '#/organize/report',
  import: () => '#/organize/import',
  mine: () => '#/mine',
  sync: () => '#/sync',
  members: () => '#/members',
  settings: () => '#/settings',
  renew: () => '#/settings/renew',
  groups: () => '#/groups',
};

export function navigate(to: string): void {
  if (location.hash !== to) location.hash = to;
}

export function back(fallback: string): void {
  if (history.length > 1) history.back();
  else navigate(fallback);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
