import type { JobHandlers } from '../../platform/jobs/job-worker.ts';
import type { Kernel } from '../../platform/kernel.ts';
import { CALLBACK_JOB, createCallbackHandler } from './callbacks/callback.job.ts';
import { createDeliverHandler } from './delivery/deliver.job.ts';
import { createFolderPrintProvider, type PrintProvider } from './delivery/providers/print-provider.ts';
import { createHttpSmsProvider } from './delivery/providers/sms-http.ts';
import { SmsUnavailableError, type SmsProvider } from './delivery/providers/sms-provider.ts';
import { createSimulatedSmsProvider } from './delivery/providers/sms-simulated.ts';
import { notifyCoreOf } from './notify.core-cache.ts';
import { DELIVER_JOB } from './notifications/send-notification.ts';
import { createRetentionHandler, RETENTION_JOB } from './retention/retention.job.ts';

export type NotifyJobOptions = {
  sms?: SmsProvider;
  print?: PrintProvider;
  /** Tests shorten Notify's 5 minutes between callback retries. */
  callbackRetryDelayMs?: number;
};

/** The SMS provider the configuration asks for: the HTTP gateway, or the simulated one. */
export function chooseSmsProvider(kernel: Kernel): SmsProvider {
  const { config } = kernel;
  if (config.NOTIFY_SMS_GATEWAY_URL) {
    return createHttpSmsProvider({ url: config.NOTIFY_SMS_GATEWAY_URL, token: config.NOTIFY_SMS_GATEWAY_TOKEN });
  }
  // Never pretend in production: with no gateway, a text message is a technical failure.
  if (config.NODE_ENV === 'production') {
    return {
      name: 'none',
      async send() {
        throw new SmsUnavailableError('No SMS gateway is configured (NOTIFY_SMS_GATEWAY_URL)');
      },
    };
  }
  return createSimulatedSmsProvider(kernel.developmentOutbox);
}

export function createNotifyJobHandlers(kernel: Kernel, options: NotifyJobOptions = {}): JobHandlers {
  const core = notifyCoreOf(kernel);
  const { logger } = kernel;
  return {
    [DELIVER_JOB]: createDeliverHandler({
      core,
      mail: kernel.mail,
      sms: options.sms ?? chooseSmsProvider(kernel),
      print: options.print ?? createFolderPrintProvider(kernel.config.NOTIFY_LETTER_FOLDER),
      logger,
    }),
    [CALLBACK_JOB]: createCallbackHandler({ core, logger, retryDelayMs: options.callbackRetryDelayMs }),
    [RETENTION_JOB]: createRetentionHandler({ core, logger }),
  };
}
