import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * The team's links in a submission's email: each file, `/forms/files/{id}?key=...`, and the
 * answers as CSV, `/forms/submissions/{id}/answers.csv?key=...`. The key is an HMAC of what the
 * link names under a key derived from ENCRYPTION_KEY, so the delivery job makes the same link on
 * every retry and nothing secret is stored. A link works until retention deletes what it names.
 */
export function createTeamLinks(input: { encryptionKey: string; baseUrl: string }) {
  const key = Buffer.from(hkdfSync('sha256', input.encryptionKey, 'civitas', 'forms team links', 32));
  const keyOf = (named: string) => createHmac('sha256', key).update(named).digest('base64url');
  const isKeyOf = (named: string, given: string) => {
    const expected = Buffer.from(keyOf(named));
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  };
  return {
    linkToFile: (fileId: string) => `${input.baseUrl}/forms/files/${fileId}?key=${keyOf(`file:${fileId}`)}`,
    linkToAnswersCsv: (submissionId: string) => `${input.baseUrl}/forms/submissions/${submissionId}/answers.csv?key=${keyOf(`csv:${submissionId}`)}`,
    isFileKey: (fileId: string, given: string) => isKeyOf(`file:${fileId}`, given),
    isAnswersCsvKey: (submissionId: string, given: string) => isKeyOf(`csv:${submissionId}`, given),
  };
}

export type TeamLinks = ReturnType<typeof createTeamLinks>;
