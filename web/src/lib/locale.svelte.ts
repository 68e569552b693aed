// The UI language: Vietnamese by default, the choice remembered in localStorage.
import { createTranslator, defaultLocale, isLocale, type Locale, type Translator } from './i18n.ts';

export const localeStorageKey = 'lanewatch.locale';

/** The stored choice, or the default when there is none or storage is unavailable. */
export function readStoredLocale(storage: Pick<Storage, 'getItem'> | null): Locale {
  try {
    const stored: unknown = storage?.getItem(localeStorageKey) ?? null;
    return isLocale(stored) ? stored : defaultLocale;
  } catch {
    return defaultLocale;
  }
}

export class LocaleState {
  locale: Locale = $state(defaultLocale);
  readonly fmt: Translator = $derived(createTranslator(this.locale));
  readonly #storage: Pick<Storage, 'getItem' | 'setItem'> | null;

  constructor(options: { storage: Pick<Storage, 'getItem' | 'setItem'> | null }) {
    this.#storage = options.storage;
    this.locale = readStoredLocale(this.#storage);
  }

  set(locale: Locale): void {
    this.locale = locale;
    try {
      this.#storage?.setItem(localeStorageKey, locale);
    } catch {
      // Private mode or a full quota: the choice then lasts for this page only.
    }
  }
}
