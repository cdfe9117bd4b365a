import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database } from '../../../platform/db/database.ts';
import { lockUntilTransactionEnds } from '../../../platform/db/transaction-lock.ts';
import type { SecurityMethodKind, SecurityMethodStanding } from '../../identity/identity.contract.ts';
import { ConsoleError } from '../console.errors.ts';
import type { OperatorRow } from '../organisations/organisation.store.ts';
import type { ConsoleActor, ConsolePerson, Organisations } from '../organisations/organisations.ts';
import { createOperatorStore } from './operator.store.ts';

/** Serialises removals of operators, so two operators removing each other cannot leave none. */
const OPERATORS_LOCK = 7_414_302;
/** The methods that resist phishing and SIM swaps well enough for the operators' pages. */
export const STRONG_METHODS: readonly SecurityMethodKind[] = ['passkey', 'auth-app'];

/** What a sign-in's `amr` says when a passkey or an authenticator app was used for it. */
const STRONG_SIGN_IN = ['hwk', 'otp'];

/**
 * Whether a person may open the operators' pages: not an operator; one whose account has no strong
 * method; one whose account had a passkey or an app added in the last week (which whoever got past
 * a text message or the mailbox could have added); one who has one but signed in this time
 * without it (by text message); or one who used it.
 */
export type OperatorStanding = 'not-operator' | 'weak-method' | 'new-method' | 'weak-sign-in' | 'operator';

/**
 * Operators: who they are, whether a signed-in person may open the operators' pages, and
 * granting and removing the role (never the last operator, never oneself), each audited.
 */
export function createOperators(dependencies: {
  db: Database;
  audit: AuditService;
  organisations: Organisations;
  /** The kinds of security method on the person's One Login account; undefined if it names none now. */
  securityMethodsOf(person: ConsolePerson): Promise<readonly SecurityMethodStanding[] | undefined>;
}) {
  const { db, audit, organisations } = dependencies;
  const store = createOperatorStore(db);

  return {
    /** Bound to the session's own sign-in: adding a method after signing in by text message is not enough. */
    async standingOf(person: ConsolePerson & { authenticationMethods: readonly string[] }): Promise<OperatorStanding> {
      if (!(await organisations.isOperator(person))) return 'not-operator';
      const strong = ((await dependencies.securityMethodsOf(person)) ?? []).filter((method) => STRONG_METHODS.includes(method.kind));
      if (strong.length === 0) return 'weak-method';
      if (strong.some((method) => !method.settled)) return 'new-method';
      return person.authenticationMethods.some((method) => STRONG_SIGN_IN.includes(method)) ? 'operator' : 'weak-sign-in';
    },

    list: (): Promise<OperatorRow[]> => store.list(),
    find: (id: string) => store.find(id),

    grant: (input: { email: string; actor: ConsoleActor }) => organisations.addOperator(input),

    async remove(input: { operatorId: string; actor: ConsoleActor; by: ConsolePerson }): Promise<void> {
      const refuse = async (code: 'console.OPERATOR_SELF' | 'console.LAST_OPERATOR', message: string) => {
        await audit.record({ actor: input.actor.audit, action: 'console.operator.remove-refused', subject: `console-operator:${input.operatorId}`, outcome: 'denied', details: { reason: code } });
        return new ConsoleError(code, message);
      };
      const refusal = await db.transaction().execute(async (transaction) => {
        await lockUntilTransactionEnds(transaction, OPERATORS_LOCK);
        const operators = createOperatorStore(transaction);
        const operator = await operators.find(input.operatorId);
        if (!operator) throw new ConsoleError('console.OPERATOR_NOT_FOUND', 'There is no such operator', 404);
        if (operator.person_key === input.by.personKey) return 'self' as const;
        if ((await operators.count()) <= 1) return 'last' as const;
        await operators.remove(operator.id);
        await audit.record({ actor: input.actor.audit, action: 'console.operator.removed', subject: `console-operator:${operator.id}`, outcome: 'success' }, transaction);
        return undefined;
      });
      if (refusal === 'self') throw await refuse('console.OPERATOR_SELF', 'You cannot remove yourself as an operator');
      if (refusal === 'last') throw await refuse('console.LAST_OPERATOR', 'The platform must keep at least one operator');
    },
  };
}

export type Operators = ReturnType<typeof createOperators>;
