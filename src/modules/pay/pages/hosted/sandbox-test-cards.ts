import type { FastifyRequest } from 'fastify';
import { describeCardBrand, detectCardBrand } from '../../cards/card-number.ts';
import { findSandboxDispute, RECURRING_DECLINED_CARD, SANDBOX_TEST_CARDS } from '../../providers/sandbox.provider.ts';

/**
 * The sandbox's test cards as the card page lists them for a test payment: the number, the card
 * and what happens when it is used. Read from the sandbox provider itself, so the list says
 * exactly what the sandbox does.
 */
export type TestCardRow = [{ text: string }, { text: string }, { text: string }];

/** "4444 3333 2222 1111": groups of four, as printed on a card and as people type it. */
function groupDigits(number: string): string {
  return number.replace(/(\d{4})(?=\d)/g, '$1 ');
}

export function describeSandboxTestCards(t: FastifyRequest['t']): TestCardRow[] {
  return SANDBOX_TEST_CARDS.map((card) => {
    const dispute = findSandboxDispute(card.number);
    const outcome =
      dispute !== undefined
        ? dispute.outcome === 'lost'
          ? 'disputeLost'
          : 'disputeWon'
        : card.number === RECURRING_DECLINED_CARD
          ? 'recurringDeclined'
          : card.outcome;
    const brand = describeCardBrand(detectCardBrand(card.number) ?? null);
    return [
      { text: groupDigits(card.number) },
      { text: t(`pay.hosted.testCards.${card.cardType}`, { brand }) },
      { text: t(`pay.hosted.testCards.outcomes.${outcome}`) },
    ];
  });
}
