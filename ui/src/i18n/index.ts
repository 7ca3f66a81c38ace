// The app's live language: chosen in Settings, kept in localStorage, defaulting to the browser's.
import { createTranslator, pickLang, type Lang, type Translator } from './core';

export * from './core';

const STORAGE_KEY = 'aidmesh.lang';

function storedLang(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function initialLang(): Lang {
  const langs = typeof navigator !== 'undefined' ? (navigator.languages?.length ? navigator.languages : [navigator.language]) : [];
  return pickLang(storedLang(), langs);
}

export function saveLang(lang: Lang): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    /* private mode: the choice lasts this session */
  }
  document.documentElement.lang = lang;
}

export function translatorFor(lang: Lang): Translator {
  return createTranslator(lang);
}
