import { cardDetailsSchema, presentCardDetails, type PaymentJson } from '../payments/payment-json.ts';
import type { AgreementRow, CardColumns } from './agreement.store.ts';

/**
 * GOV.UK Pay's agreement, as pay-publicapi's `Agreement` sends it: absent values are left out
 * (NON_NULL), the status in lower case, `payment_instrument` once the agreement has been set up.
 */
export type AgreementJson = {
  agreement_id: string;
  reference: string;
  description: string;
  status: string;
  created_date: string;
  payment_instrument?: { card_details?: PaymentJson['card_details']; created_date: string; type: 'card' };
  user_identifier?: string;
  cancelled_date?: string;
};

export function presentAgreement(row: AgreementRow, instrument: (CardColumns & { created_at: string }) | undefined): AgreementJson {
  const json: AgreementJson = {
    agreement_id: row.id,
    reference: row.reference,
    description: row.description,
    status: row.status,
    created_date: row.created_at,
  };
  if (instrument) {
    const cardDetails = presentCardDetails(instrument);
    json.payment_instrument = { ...(cardDetails ? { card_details: cardDetails } : {}), created_date: instrument.created_at, type: 'card' };
  }
  if (row.user_identifier !== null) json.user_identifier = row.user_identifier;
  if (row.cancelled_at !== null) json.cancelled_date = row.cancelled_at;
  return json;
}

export const agreementSchema = {
  type: 'object',
  properties: {
    agreement_id: { type: 'string' },
    reference: { type: 'string' },
    description: { type: 'string' },
    status: { type: 'string' },
    created_date: { type: 'string' },
    payment_instrument: {
      type: 'object',
      properties: {
        card_details: cardDetailsSchema,
        created_date: { type: 'string' },
        type: { type: 'string' },
      },
    },
    user_identifier: { type: 'string' },
    cancelled_date: { type: 'string' },
  },
} as const;
