/**
 * A payment's states. Inside Civitas a payment has a few more states than Pay's API shows, so
 * that each step (talking to the provider, waiting for 3-D Secure, waiting for the paying user
 * to confirm) can be claimed by exactly one request; the API shows Pay's statuses.
 */
export const PAYMENT_STATUSES = [
  'created',
  'started',
  'authorising',
  'three_ds_required',
  'authorised',
  'capturable',
  'success',
  'failed',
  'cancelled',
  'error',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const EXTERNAL_STATUSES = [
  'created',
  'started',
  'submitted',
  'capturable',
  'success',
  'failed',
  'cancelled',
  'error',
] as const;
export type ExternalStatus = (typeof EXTERNAL_STATUSES)[number];

const EXTERNAL_STATUS: Record<PaymentStatus, ExternalStatus> = {
  created: 'created',
  started: 'started',
  authorising: 'started',
  three_ds_required: 'started',
  authorised: 'submitted',
  capturable: 'capturable',
  success: 'success',
  failed: 'failed',
  cancelled: 'cancelled',
  error: 'error',
};

export function describeExternalStatus(status: PaymentStatus): ExternalStatus {
  return EXTERNAL_STATUS[status];
}

export function listStatusesShownAs(external: ExternalStatus): PaymentStatus[] {
  return PAYMENT_STATUSES.filter((status) => EXTERNAL_STATUS[status] === external);
}

export const FINISHED_STATUSES: readonly PaymentStatus[] = ['success', 'failed', 'cancelled', 'error'];

export function isFinished(status: PaymentStatus): boolean {
  return FINISHED_STATUSES.includes(status);
}

/** States a payment expires from, 90 minutes after it was created. */
export const EXPIRABLE_STATUSES: readonly PaymentStatus[] = [
  'created',
  'started',
  'authorising',
  'three_ds_required',
  'authorised',
];
export const PAYMENT_LIFETIME_MS = 90 * 60 * 1000;

/** States the service may cancel from (`POST /v1/payments/{id}/cancel`). */
export const SERVICE_CANCELLABLE_STATUSES: readonly PaymentStatus[] = [
  'created',
  'started',
  'three_ds_required',
  'authorised',
  'capturable',
];

/** States the paying user may cancel from, on the payment pages. */
export const USER_CANCELLABLE_STATUSES: readonly PaymentStatus[] = ['started', 'three_ds_required', 'authorised'];

/** States in which an authorisation is held at the provider and must be released on cancel. */
export const AUTHORISATION_HELD_STATUSES: readonly PaymentStatus[] = ['authorised', 'capturable'];

export const FAILURE_CODES = {
  rejected: 'P0010',
  expired: 'P0020',
  cancelledByUser: 'P0030',
  cancelledByService: 'P0040',
  providerError: 'P0050',
} as const;

export const FAILURE_MESSAGES: Readonly<Record<string, string>> = {
  P0010: 'Payment method rejected',
  P0020: 'Payment expired',
  P0030: 'Payment was cancelled by the user',
  P0040: 'Payment was cancelled by the service',
  P0050: 'Payment provider returned an error',
};
