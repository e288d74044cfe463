/**
 * English and Simplified Chinese. The choice is kept in localStorage; without one, the browser's
 * languages decide. `test/web/i18n.test.ts` checks both files have the same keys, none empty.
 */
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json';
import zhCN from './zh-CN.json';

export const LANGUAGES = [
  { code: 'en', label: 'English' },
  { code: 'zh-CN', label: '简体中文' },
] as const;
export type Language = (typeof LANGUAGES)[number]['code'];

const STORAGE_KEY = 'tandem.language';

declare module 'i18next' {
  interface CustomTypeOptions {
    resources: { translation: typeof en };
  }
}

function storedLanguage(): Language | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return LANGUAGES.find((l) => l.code === v)?.code ?? null;
  } catch {
    return null;
  }
}

/** The stored choice, else the first of the browser's languages we have, else English. */
export function initialLanguage(): Language {
  const stored = storedLanguage();
  if (stored) return stored;
  for (const l of navigator.languages) if (l.toLowerCase().startsWith('zh')) return 'zh-CN';
  return 'en';
}

export function setLanguage(code: Language): void {
  try {
    localStorage.setItem(STORAGE_KEY, code);
  } catch {
    // Private windows may refuse storage: the choice then lasts for this page only.
  }
  document.documentElement.lang = code;
  void i18n.changeLanguage(code);
}

export function initI18n(): typeof i18n {
  const lng = initialLanguage();
  document.documentElement.lang = lng;
  void i18n.use(initReactI18next).init({
    resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
    lng,
    fallbackLng: 'en',
    initAsync: false,
    interpolation: { escapeValue: false },
  });
  return i18n;
}
