/** Where text messages go. A provider may confirm delivery at once, or later by a receipt. */
export type SmsProvider = {
  name: string;
  /**
   * Sends one message. `reference` is the notification id: a gateway can use it to recognise a
   * message sent again after a crash. Throws SmsRejectedError when the gateway refuses the
   * message for good; any other error is taken as temporary and retried.
   */
  send(message: { reference: string; to: string; body: string; sender: string }): Promise<{
    status: 'delivered' | 'sending';
    providerReference: string;
  }>;
};

export class SmsRejectedError extends Error {
  readonly code = 'SMS_REJECTED';
}

/** No provider can take the message at all (none is configured): a technical failure, not retried. */
export class SmsUnavailableError extends Error {
  readonly code = 'SMS_UNAVAILABLE';
}

/**
 * The gateway answered, and did not take the message for now (HTTP 5xx, 408 or 429): retried,
 * and the message is known not to be with the gateway.
 */
export class SmsNotTakenError extends Error {
  readonly code = 'SMS_NOT_TAKEN';
}
