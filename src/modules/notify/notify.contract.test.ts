import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestKernel } from '../../testing/test-kernel.ts';
import { startSmtpServer, decodeQuotedPrintable } from './fixtures/notify-fixtures.ts';
import { getNotificationStatus, NotifySendError, sendSystemEmail, sendSystemSms, SYSTEM_TEMPLATES } from './notify.contract.ts';

test("other modules send through the platform service's templates without an API key", async (t) => {
  const smtp = await startSmtpServer(t);
  const kernel = await createTestKernel(t, { environment: { SMTP_URL: smtp.url } });
  const email = await sendSystemEmail(kernel, { templateKey: SYSTEM_TEMPLATES.securityCodeEmail, to: 'ffion@example.com', personalisation: { code: '123456', minutes: 15 } });
  const sms = await sendSystemSms(kernel, { templateKey: SYSTEM_TEMPLATES.securityCodeSms, to: '07700900123', personalisation: { code: '654321', minutes: 15 } });
  assert.equal(await getNotificationStatus(kernel, email.id), 'created');
  await kernel.createWorker().runUntilIdle();
  assert.equal(await getNotificationStatus(kernel, email.id), 'delivered');
  assert.equal(await getNotificationStatus(kernel, sms.id), 'delivered');
  assert.equal(smtp.received.length, 1);
  const raw = decodeQuotedPrintable(smtp.received[0]?.raw ?? '');
  assert.match(raw, /^Subject: Your security code is 123456/m);
  assert.match(raw, /The code expires in 15 minutes\./);

  await assert.rejects(sendSystemEmail(kernel, { templateKey: 'no.such.template', to: 'a@example.com' }), (error: unknown) => {
    assert.ok(error instanceof NotifySendError);
    assert.equal(error.code, 'notify.TEMPLATE_NOT_FOUND');
    return true;
  });
  await assert.rejects(sendSystemEmail(kernel, { templateKey: SYSTEM_TEMPLATES.securityCodeEmail, to: 'not-an-address', personalisation: { code: '1', minutes: 1 } }), {
    name: 'NotifySendError', code: 'notify.ValidationError', message: 'Not a valid email address',
  });
  await assert.rejects(sendSystemSms(kernel, { templateKey: SYSTEM_TEMPLATES.securityCodeSms, to: '07700900123', personalisation: { code: '1' } }), {
    code: 'notify.BadRequestError', message: 'Missing personalisation: minutes',
  });
  await assert.rejects(sendSystemSms(kernel, { templateKey: SYSTEM_TEMPLATES.securityCodeEmail, to: '07700900123', personalisation: { code: '1', minutes: 1 } }), {
    message: 'email template is not suitable for sms notification',
  });
});
