import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * The team's links to a submission's files: `/forms/files/{id}?key=...`, the key an HMAC of the
 * file's id under a key derived from ENCRYPTION_KEY, so the delivery job makes the same link on
 * every retry and nothing secret is stored. A link works until the file is deleted.
 */
export function createFileLinks(input: { encryptionKey: string; baseUrl: string }) {
  const key = Buffer.from(hkdfSync('sha256', input.encryptionKey, 'civitas', 'forms file links', 32));
  const keyOf = (fileId: string) => createHmac('sha256', key).update(fileId).digest('base64url');
  return {
    linkTo: (fileId: string) => `${input.baseUrl}/forms/files/${fileId}?key=${keyOf(fileId)}`,
    isKeyOf(fileId: string, given: string): boolean {
      const expected = Buffer.from(keyOf(fileId));
      const actual = Buffer.from(given);
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
  };
}

export type FileLinks = ReturnType<typeof createFileLinks>;
