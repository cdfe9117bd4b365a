import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { NotifyCore } from '../notify.core.ts';
import { usesHttps } from '../../../platform/http/security.ts';
import type { StoredFile } from './file.store.ts';
import { hashFileToken } from './prepare-upload.ts';

const VIEWS = 'modules/notify/files/download';
const CONFIRMED_FOR_SECONDS = 30 * 60;

/**
 * Someone with a forwarded link could otherwise guess the address until they hit it. As One
 * Login treats security codes: 5 answers within 15 minutes, then none is checked for 15 minutes.
 */
export const EMAIL_CONFIRMATION_LIMIT = { maxAnswers: 5, windowSeconds: 15 * 60, lockSeconds: 15 * 60 } as const;

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The page a file sent by email links to: it asks for the recipient's email address first
 * (unless the service turned that off), then offers the file. The link carries a secret; only
 * its hash is stored. A confirmed address is remembered for 30 minutes in a signed cookie.
 * Answers are limited per file (EMAIL_CONFIRMATION_LIMIT), in the database.
 */
export function registerFileRoutes(app: FastifyInstance, core: NotifyCore): void {
  const secure = usesHttps(core.config);

  async function findFile(request: FastifyRequest<{ Params: { fileId: string }; Querystring: { key?: string } }>): Promise<StoredFile | undefined> {
    const { fileId } = request.params;
    const key = request.query.key ?? (request.body as { key?: string } | undefined)?.key;
    if (!/^[0-9a-f-]{36}$/i.test(fileId) || typeof key !== 'string' || key.length > 100) return undefined;
    const file = await core.stores.files.find(core.db, fileId);
    if (!file || file.expires_at <= core.clock().toISOString()) return undefined;
    return sameText(hashFileToken(key), file.token_hash) ? file : undefined;
  }

  function cookieName(file: StoredFile): string {
    return `notify_file_${file.id.replace(/-/g, '')}`;
  }

  function isConfirmed(request: FastifyRequest, file: StoredFile): boolean {
    if (!file.confirm_email) return true;
    const cookie = request.cookies[cookieName(file)];
    if (!cookie) return false;
    const unsigned = request.unsignCookie(cookie);
    return unsigned.valid && unsigned.value === file.id;
  }

  function gone(request: FastifyRequest, reply: FastifyReply) {
    return reply.code(404).render(`${VIEWS}/unavailable.njk`, { pageTitle: request.t('notify.files.unavailableTitle') });
  }

  function renderDownload(request: FastifyRequest, reply: FastifyReply, file: StoredFile, key: string) {
    return reply.render(`${VIEWS}/download.njk`, {
      pageTitle: request.t('notify.files.downloadTitle'),
      href: `/notify/files/${file.id}/download?key=${encodeURIComponent(key)}`,
      filename: file.filename,
      expires: file.expires_at,
      sizeKb: Math.max(1, Math.round((file.content.length * 3) / 4 / 1024)),
    });
  }

  function renderConfirm(
    request: FastifyRequest,
    reply: FastifyReply,
    form: { file: StoredFile; key: string; error?: string; value?: string; statusCode?: number },
  ) {
    const { file, key, error, value } = form;
    return reply.code(form.statusCode ?? (error ? 400 : 200)).render(`${VIEWS}/confirm-email.njk`, {
      pageTitle: request.t('notify.files.confirmTitle'),
      errors: error ? [{ text: error, href: '#email_address' }] : undefined,
      error,
      value,
      action: `/notify/files/${file.id}`,
      key,
    });
  }

  function renderLocked(request: FastifyRequest, reply: FastifyReply, form: { file: StoredFile; key: string; lockedUntil: Date }) {
    const minutes = Math.max(1, Math.ceil((form.lockedUntil.getTime() - core.clock().getTime()) / 60_000));
    return renderConfirm(request, reply, { ...form, error: request.t('notify.files.errorLocked', { minutes }), statusCode: 429 });
  }

  app.get<{ Params: { fileId: string }; Querystring: { key?: string } }>('/notify/files/:fileId', async (request, reply) => {
    const file = await findFile(request);
    if (!file) return gone(request, reply);
    const key = request.query.key as string;
    if (!isConfirmed(request, file)) return renderConfirm(request, reply, { file, key });
    return renderDownload(request, reply, file, key);
  });

  app.post<{ Params: { fileId: string }; Querystring: { key?: string }; Body: { key?: string; email_address?: string } }>(
    '/notify/files/:fileId',
    async (request, reply) => {
      const file = await findFile(request);
      if (!file) return gone(request, reply);
      const key = String(request.body?.key ?? request.query.key);
      const given = String(request.body?.email_address ?? '').trim();
      if (given === '') return renderConfirm(request, reply, { file, key, error: request.t('notify.files.errorEmpty') });
      const now = core.clock();
      const lockedUntil = new Date(now.getTime() + EMAIL_CONFIRMATION_LIMIT.lockSeconds * 1000);
      const answers = await core.stores.files.countConfirmationAnswer(core.db, {
        id: file.id,
        now: now.toISOString(),
        windowStart: new Date(now.getTime() - EMAIL_CONFIRMATION_LIMIT.windowSeconds * 1000).toISOString(),
        lockUntil: lockedUntil.toISOString(),
        maxAnswers: EMAIL_CONFIRMATION_LIMIT.maxAnswers,
      });
      if (answers === undefined) {
        // Locked: by what this request read, or (if another process locked it since) from now.
        const until = file.confirm_locked_until !== null && file.confirm_locked_until > now.toISOString() ? new Date(file.confirm_locked_until) : lockedUntil;
        return renderLocked(request, reply, { file, key, lockedUntil: until });
      }
      if (!sameText(given.toLowerCase(), file.recipient_email)) {
        const locked = answers >= EMAIL_CONFIRMATION_LIMIT.maxAnswers;
        await core.audit.record({
          actor: 'anonymous',
          action: 'notify.file.email-wrong',
          subject: `notify-file:${file.id}`,
          outcome: 'failure',
          requestId: request.id,
          details: { locked },
        });
        if (locked) return renderLocked(request, reply, { file, key, lockedUntil });
        return renderConfirm(request, reply, { file, key, error: request.t('notify.files.errorWrong'), value: given });
      }
      await core.stores.files.clearConfirmationAnswers(core.db, file.id);
      reply.setCookie(cookieName(file), file.id, {
        path: `/notify/files/${file.id}`,
        httpOnly: true,
        sameSite: 'lax',
        secure,
        signed: true,
        maxAge: CONFIRMED_FOR_SECONDS,
      });
      // Post/redirect/get: the download page is a GET, which the cookie just set now opens.
      return reply.redirect(`/notify/files/${file.id}?key=${encodeURIComponent(key)}`, 303);
    },
  );

  app.get<{ Params: { fileId: string }; Querystring: { key?: string } }>('/notify/files/:fileId/download', async (request, reply) => {
    const file = await findFile(request);
    if (!file) return gone(request, reply);
    if (!isConfirmed(request, file)) return reply.redirect(`/notify/files/${file.id}?key=${encodeURIComponent(request.query.key as string)}`, 303);
    const filename = file.filename ?? `${file.id}.bin`;
    return reply
      .header('content-disposition', `attachment; filename="${filename.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(filename)}`)
      .header('cache-control', 'no-store')
      .type('application/octet-stream')
      .send(Buffer.from(file.content, 'base64'));
  });
}
