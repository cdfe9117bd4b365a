import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MessageCatalogue } from '../../../platform/http/i18n.ts';

function read(locale: 'en' | 'cy'): MessageCatalogue {
  return JSON.parse(readFileSync(join(import.meta.dirname, `${locale}.json`), 'utf8'));
}

export function loadNotifyMessages() {
  return { en: read('en'), cy: read('cy') };
}
