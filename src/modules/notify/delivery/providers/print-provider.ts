import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { NotificationRow } from '../../notifications/notification.store.ts';
import { checkPostalAddress } from '../../templates/recipients.ts';
import { fillPlaceholders } from '../../templates/placeholders.ts';
import { renderLetterPdf } from '../../templates/render-letter.ts';

/** Where letters go to be printed and posted. */
export type PrintProvider = {
  name: string;
  /** Hands over the letter's PDF. Repeating it for the same id must not print twice. */
  send(letter: { id: string; postage: string; pdf: Buffer }): Promise<void>;
};

/**
 * The default print provider: each letter's PDF written to a folder as `<postage>/<id>.pdf`, for
 * a print house to collect. Written to a temporary name then renamed, so a collector never sees
 * half a file; writing the same id again replaces the file (one letter, not two).
 */
export function createFolderPrintProvider(folder: string): PrintProvider {
  const root = resolve(folder);
  return {
    name: 'folder',
    async send(letter) {
      const directory = join(root, letter.postage);
      await mkdir(directory, { recursive: true });
      const target = join(directory, `${letter.id}.pdf`);
      const temporary = `${target}.${process.pid}.partial`;
      await writeFile(temporary, letter.pdf);
      await rename(temporary, target);
    },
  };
}

/** A templated letter's PDF, made from its stored address, subject and body. */
export async function renderTemplatedLetterPdf(notification: NotificationRow, letterContactBlock: string | null): Promise<Buffer> {
  const personalisation = JSON.parse(notification.personalisation) as Record<string, unknown>;
  const address = checkPostalAddress(personalisation);
  const contactBlock = fillPlaceholders(letterContactBlock ?? '', personalisation, { listStyle: 'inline' });
  return renderLetterPdf({
    subject: notification.subject ?? '',
    body: notification.body,
    contactBlock,
    addressLines: address.ok ? address.value.lines : [notification.recipient],
    date: new Date(notification.created_at),
  });
}
