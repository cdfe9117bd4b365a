import type { Database } from '../../../platform/db/database.ts';
import { formatCsvField } from '../../../platform/http/csv-field.ts';
import type { LedgerStore } from '../ledger/ledger.store.ts';

export type ReportLine = {
  type: 'payment' | 'refund';
  mode: 'live' | 'test';
  id: string;
  paymentId: string;
  reference: string;
  occurredAt: string;
  /** Pence: + for a payment taken, - for a refund paid. */
  amount: number;
};

export type ReportTotals = { mode: 'live' | 'test'; payments: number; paymentCount: number; refunds: number; refundCount: number; net: number };

export type PaymentReport = {
  accountId: string;
  date: string;
  lines: ReportLine[];
  totals: ReportTotals[];
  /** Every check held: each line matches its payment or refund, and the totals match the ledger. */
  balanced: boolean;
  problems: string[];
};

const HEADER = ['type', 'mode', 'id', 'payment_id', 'reference', 'occurred_at', 'amount_pence'];

export function formatReportCsv(report: PaymentReport): string {
  const rows = [HEADER.join(',')];
  for (const line of report.lines) {
    rows.push(
      [
        line.type,
        line.mode,
        line.id,
        line.paymentId,
        formatCsvField(line.reference),
        line.occurredAt,
        String(line.amount),
      ].join(','),
    );
  }
  for (const total of report.totals) {
    rows.push(['total_payments', total.mode, '', '', '', '', String(total.payments)].join(','));
    rows.push(['total_refunds', total.mode, '', '', '', '', String(total.refunds)].join(','));
    rows.push(['net', total.mode, '', '', '', '', String(total.net)].join(','));
  }
  return `${rows.join('\n')}\n`;
}

/**
 * The day's money for one account, from the ledger: every payment taken and every refund paid
 * in that UTC day, with totals for live and test, checked against the payments and refunds
 * themselves and against the ledger's own sum.
 */
export function createReportService(dependencies: { db: Database; ledger: LedgerStore; clock: () => Date }) {
  const { db, ledger } = dependencies;
  return {
    async report(query: { accountId: string; date: string }): Promise<PaymentReport> {
      const from = new Date(`${query.date}T00:00:00.000Z`);
      const to = new Date(from.getTime() + 24 * 60 * 60 * 1000).toISOString();
      const range = { accountId: query.accountId, from: from.toISOString(), to };
      const movements = await ledger.listMoneyMovements(db, range);
      const problems: string[] = [];
      const lines: ReportLine[] = [];
      for (const entry of movements) {
        const mode = entry.live === 1 ? 'live' : 'test';
        if (entry.event_type === 'captured') {
          if (entry.amount !== entry.payment_amount) problems.push(`payment ${entry.payment_id}: ledger ${entry.amount} is not its amount ${entry.payment_amount}`);
          lines.push({ type: 'payment', mode, id: entry.payment_id, paymentId: entry.payment_id, reference: entry.reference, occurredAt: entry.occurred_at, amount: entry.amount });
        } else if (entry.event_type === 'refund_succeeded' && entry.refund_id) {
          if (-entry.amount !== entry.refund_amount || entry.refund_status !== 'success') {
            problems.push(`refund ${entry.refund_id}: ledger ${entry.amount} does not match the refund`);
          }
          lines.push({ type: 'refund', mode, id: entry.refund_id, paymentId: entry.payment_id, reference: entry.reference, occurredAt: entry.occurred_at, amount: entry.amount });
        } else {
          problems.push(`ledger entry ${entry.event_type} on ${entry.payment_id} moved money unexpectedly`);
        }
      }
      const ledgerSums = new Map((await ledger.sumMoney(db, range)).map((sum) => [sum.live === 1 ? 'live' : 'test', sum.total]));
      const totals: ReportTotals[] = [];
      for (const mode of ['live', 'test'] as const) {
        const ofMode = lines.filter((line) => line.mode === mode);
        if (ofMode.length === 0 && !ledgerSums.get(mode)) continue;
        const paymentLines = ofMode.filter((line) => line.type === 'payment');
        const refundLines = ofMode.filter((line) => line.type === 'refund');
        const payments = paymentLines.reduce((sum, line) => sum + line.amount, 0);
        const refunds = refundLines.reduce((sum, line) => sum + line.amount, 0);
        const net = payments + refunds;
        if (net !== (ledgerSums.get(mode) ?? 0)) problems.push(`${mode}: the lines add up to ${net}, the ledger to ${ledgerSums.get(mode) ?? 0}`);
        totals.push({ mode, payments, paymentCount: paymentLines.length, refunds, refundCount: refundLines.length, net });
      }
      return { accountId: query.accountId, date: query.date, lines, totals, balanced: problems.length === 0, problems };
    },
  };
}

export type ReportService = ReturnType<typeof createReportService>;
