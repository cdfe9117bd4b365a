import { randomUUID } from 'node:crypto';
import type { AuthorisationOutcome, PaymentProvider, RecurringAuthorisationOutcome, SimulatedDispute } from './payment-provider.ts';

/**
 * The sandbox behaves like GOV.UK Pay's sandbox: it moves no money, and what happens depends
 * on the test card number used. Any other card number is declined.
 */
export const SANDBOX_TEST_CARDS: ReadonlyArray<{
  number: string;
  outcome: 'success' | 'declined' | 'expired_card' | 'incorrect_security_code' | 'processing_error' | 'three_ds';
  cardType: 'debit' | 'credit';
}> = [
  { number: '4444333322221111', outcome: 'success', cardType: 'credit' },
  { number: '4242424242424242', outcome: 'success', cardType: 'credit' },
  { number: '4000056655665556', outcome: 'success', cardType: 'debit' },
  { number: '5105105105105100', outcome: 'success', cardType: 'debit' },
  { number: '5200828282828210', outcome: 'success', cardType: 'debit' },
  { number: '5555555555554444', outcome: 'success', cardType: 'credit' },
  { number: '371449635398431', outcome: 'success', cardType: 'credit' },
  { number: '3566002020360505', outcome: 'success', cardType: 'credit' },
  { number: '6011000990139424', outcome: 'success', cardType: 'credit' },
  { number: '36148900647913', outcome: 'success', cardType: 'credit' },
  { number: '6759649826438453', outcome: 'success', cardType: 'debit' },
  { number: '4000000000000002', outcome: 'declined', cardType: 'credit' },
  { number: '4000000000000069', outcome: 'expired_card', cardType: 'credit' },
  { number: '4000000000000127', outcome: 'incorrect_security_code', cardType: 'credit' },
  { number: '4000000000000119', outcome: 'processing_error', cardType: 'credit' },
  { number: '4000002500003155', outcome: 'three_ds', cardType: 'credit' },
  // GOV.UK Pay's dispute test cards: paid, then disputed once captured.
  { number: '4000000000000259', outcome: 'success', cardType: 'credit' },
  { number: '4000000000002685', outcome: 'success', cardType: 'credit' },
];

/**
 * The cards GOV.UK Pay documents as "Payment disputed and lost" and "Payment disputed and won",
 * known, as Pay's connector knows them, by the first 6 and last 4 digits a payment keeps.
 * Stripe disputes both as fraudulent.
 */
const DISPUTE_CARDS: ReadonlyArray<{ firstDigits: string; lastDigits: string; dispute: SimulatedDispute }> = [
  { firstDigits: '400000', lastDigits: '0259', dispute: { reason: 'fraudulent', outcome: 'lost' } },
  { firstDigits: '400000', lastDigits: '2685', dispute: { reason: 'fraudulent', outcome: 'won' } },
];

const CARDS = new Map(SANDBOX_TEST_CARDS.map((card) => [card.number, card]));

/** The dispute the sandbox opens on a captured payment made with this test card, if any. */
export function findSandboxDispute(cardNumber: string): SimulatedDispute | undefined {
  return DISPUTE_CARDS.find((card) => cardNumber.startsWith(card.firstDigits) && cardNumber.endsWith(card.lastDigits))?.dispute;
}

/**
 * GOV.UK Pay's sandbox card that sets up an agreement and then declines every recurring payment
 * taken with it ("do not retry": the agreement becomes inactive).
 */
export const RECURRING_DECLINED_CARD = '5105105105105100';

/**
 * A recurring payment in GOV.UK Pay's sandbox (connector's `authoriseUserNotPresent`): the card
 * is known only by the first 6 and last 4 digits the agreement kept. The card above is declined,
 * so are the test cards that decline, all as "do not retry"; the error card errors; any other
 * test card is authorised, and a card the sandbox does not know is an error.
 */
function authoriseRecurringByDigits(firstDigits: string | null, lastDigits: string | null, providerId: string): RecurringAuthorisationOutcome {
  const matches = (number: string) => firstDigits !== null && lastDigits !== null && number.startsWith(firstDigits) && number.endsWith(lastDigits);
  if (matches(RECURRING_DECLINED_CARD)) return { outcome: 'rejected', providerId, canRetry: false };
  const card = SANDBOX_TEST_CARDS.find((test) => matches(test.number));
  switch (card?.outcome) {
    case 'success':
    case 'three_ds':
      return { outcome: 'authorised', providerId };
    case 'declined':
    case 'expired_card':
    case 'incorrect_security_code':
      return { outcome: 'rejected', providerId, canRetry: false };
    default:
      return { outcome: 'error', providerId };
  }
}

/** A token for a kept card: the sandbox keeps nothing, it decides by the digits Civitas kept. */
const issueRecurringToken = () => `sandbox-card-${randomUUID()}`;

export function createSandboxProvider(): PaymentProvider {
  const reference = (prefix: string, id: string) => `${prefix}-${id}`;

  return {
    name: 'sandbox',

    async authorise(request): Promise<AuthorisationOutcome> {
      const providerId = reference('sandbox', request.paymentId);
      const card = CARDS.get(request.card.number);
      const tokenIfAsked = request.saveForRecurring ? { recurringToken: issueRecurringToken() } : {};
      switch (card?.outcome) {
        case 'success':
          return { outcome: 'authorised', providerId, cardType: card.cardType, ...tokenIfAsked };
        case 'three_ds':
          // No one is there to be challenged on a MOTO payment: it is authorised without 3-D Secure.
          return request.moto
            ? { outcome: 'authorised', providerId, cardType: card.cardType, ...tokenIfAsked }
            : { outcome: 'three_ds_required', providerId, challenge: { kind: 'sandbox' } };
        case 'expired_card':
          return { outcome: 'rejected', providerId, reason: 'expired_card' };
        case 'incorrect_security_code':
          return { outcome: 'rejected', providerId, reason: 'incorrect_security_code' };
        case 'processing_error':
          return { outcome: 'error', providerId };
        default:
          return { outcome: 'rejected', providerId, reason: 'declined' };
      }
    },

    async completeThreeDSecure(request) {
      return request.result.authenticated === 'yes'
        ? {
            outcome: 'authorised',
            providerId: request.providerId,
            cardType: 'credit',
            ...(request.saveForRecurring ? { recurringToken: issueRecurringToken() } : {}),
          }
        : { outcome: 'rejected', providerId: request.providerId, reason: 'declined' };
    },

    async authoriseRecurring(request) {
      return authoriseRecurringByDigits(request.card.firstDigits, request.card.lastDigits, reference('sandbox', request.paymentId));
    },

    simulateDispute(card) {
      return DISPUTE_CARDS.find((test) => test.firstDigits === card.firstDigits && test.lastDigits === card.lastDigits)?.dispute;
    },

    async capture() {
      // The sandbox settles at once.
      return { outcome: 'captured', settled: true };
    },

    async cancelAuthorisation() {},

    async refund(request) {
      return {
        outcome: 'success',
        providerRefundId: reference('sandbox-refund', request.refundId),
        settled: true,
      };
    },
  };
}
