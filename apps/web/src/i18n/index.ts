import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './en.json';
import fr from './fr.json';
import organiserEn from './organiser.en.json';
import organiserFr from './organiser.fr.json';
import committeeEn from './committee.en.json';
import committeeFr from './committee.fr.json';
import recordingEn from './recording.en.json';
import recordingFr from './recording.fr.json';

export const languages = ['fr', 'en'] as const;
export type Language = (typeof languages)[number];
export const DEFAULT_LANGUAGE: Language = 'fr';

const STORAGE_KEY = 'confidentiel.language';

// The organiser pages', the committee panel's and the recording's strings live in their own files, under their own keys.
export const resources = {
  fr: { translation: { ...fr, organiser: organiserFr, committee: committeeFr, recording: recordingFr } },
  en: { translation: { ...en, organiser: organiserEn, committee: committeeEn, recording: recordingEn } },
} as const;

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: (typeof resources)['fr'];
  }
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (languages as readonly string[]).includes(value);
}

function storedLanguage(): Language {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    return isLanguage(stored) ? stored : DEFAULT_LANGUAGE;
  } catch {
    return DEFAULT_LANGUAGE;
  }
}

/** Starts i18next with the bundled resources; keeps `<html lang>` in step. */
export function initI18n(): typeof i18n {
  void i18n.use(initReactI18next).init({
    resources,
    lng: storedLanguage(),
    fallbackLng: DEFAULT_LANGUAGE,
    supportedLngs: [...languages],
    interpolation: { escapeValue: false },
    initAsync: false,
  });
  const apply = (lng: string): void => {
    document.documentElement.lang = isLanguage(lng) ? lng : DEFAULT_LANGUAGE;
  };
  apply(i18n.language);
  i18n.on('languageChanged', (lng) => {
    apply(lng);
    try {
      window.localStorage.setItem(STORAGE_KEY, lng);
    } catch {
      // Private browsing: the choice lasts for this page only.
    }
  });
  return i18n;
}

export function currentLanguage(): Language {
  return isLanguage(i18n.language) ? i18n.language : DEFAULT_LANGUAGE;
}
