import { hash, randomBytes } from 'node:crypto';
import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database, Executor } from '../../../platform/db/database.ts';
import { createTimeOrderedId } from '../../../platform/db/time-ordered-id.ts';
import { lockUntilTransactionEnds } from '../../../platform/db/transaction-lock.ts';
import { isDeliverableEmailAddress, type NotifyPlatform } from '../../notify/notify.contract.ts';
import { ConsoleError } from '../console.errors.ts';
import { sendInvitationEmail } from './invitation-email.ts';
import {
  createOrganisationStore,
  ORGANISATION_TYPES,
  ROLES,
  type InvitationRow,
  type MembershipRow,
  type OrganisationRow,
  type OrganisationType,
  type Role,
  type ServiceRow,
} from './organisation.store.ts';

/** An invitation's link works for 72 hours, once. */
export const INVITATION_SECONDS = 72 * 60 * 60;
/** Serialises changes to an organisation's owners, so two owners demoting each other cannot leave none. */
const OWNERS_LOCK = 7_414_301;
const NAME_LIMIT = 255;
const GOVUK_SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const INVITATION_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export type ConsolePerson = { personKey: string; email: string };
/** Who acted, as the audit trail names them: a signed-in person, or `operator:cli`. */
export type ConsoleActor = { audit: string; label: string };

export const actorOf = (person: ConsolePerson): ConsoleActor => ({ audit: `console-person:${person.personKey}`, label: person.email });
export const CLI_ACTOR: ConsoleActor = { audit: 'operator:cli', label: 'operator:cli' };

export const normaliseEmail = (email: string) => email.trim().toLowerCase();
const tokenHashOf = (token: string) => hash('sha256', token, 'base64url');

function requireName(raw: string): string {
  const name = raw.trim();
  // Control characters (line breaks included) would forge lines in the invitation email.
  if (name === '' || name.length > NAME_LIMIT || /[\p{Cc}\p{Cf}\u2028\u2029]/u.test(name)) {
    throw new ConsoleError('console.INVALID_NAME', `Enter a name of 1 to ${NAME_LIMIT} characters`);
  }
  return name;
}

function requireEmail(raw: string): string {
  const email = normaliseEmail(raw);
  if (!isDeliverableEmailAddress(email)) throw new ConsoleError('console.INVALID_EMAIL', 'Enter an email address in the correct format, like name@example.gov.uk');
  return email;
}

export function isRole(value: unknown): value is Role {
  return ROLES.includes(value as Role);
}

export type InvitationState =
  | { state: 'unknown' }
  | { state: 'used' | 'expired'; organisationName: string }
  | { state: 'open'; invitation: InvitationRow; organisationName: string };

export type Acceptance =
  | { accepted: true; organisationId: string }
  | { accepted: false; reason: 'unknown' | 'used' | 'expired' | 'other-person' };

/**
 * Organisations, their services and members, invitations and operators: every change in one
 * transaction with its audit event (who, what, which organisation; no email addresses).
 */
export function createOrganisations(dependencies: {
  db: Database;
  audit: AuditService;
  /** Where invitations are sent from (the kernel, or the app): Notify's platform service. */
  platform: NotifyPlatform;
  baseUrl: string;
  clock?: () => Date;
}) {
  const { db, audit, platform } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  const store = createOrganisationStore(db);

  async function createInvitation(
    transaction: Executor,
    input: { organisationId: string; email: string; role: Role; actor: ConsoleActor },
  ): Promise<{ token: string; invitation: InvitationRow }> {
    const now = clock();
    const token = randomBytes(32).toString('base64url');
    const invitation: InvitationRow = {
      id: createTimeOrderedId(),
      organisation_id: input.organisationId,
      email: input.email,
      role: input.role,
      token_hash: tokenHashOf(token),
      invited_by: input.actor.audit,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + INVITATION_SECONDS * 1000).toISOString(),
      accepted_at: null,
      accepted_by: null,
    };
    await createOrganisationStore(transaction).insertInvitation(invitation);
    await audit.record(
      {
        actor: input.actor.audit,
        action: 'console.invitation.created',
        subject: `console-invitation:${invitation.id}`,
        outcome: 'success',
        details: { organisationId: input.organisationId, role: input.role },
      },
      transaction,
    );
    return { token, invitation };
  }

  /** Sent once the invitation is committed (Notify sends in a transaction of its own). */
  async function sendInvitation(input: { email: string; organisationName: string; token: string }): Promise<void> {
    await sendInvitationEmail(platform, {
      to: input.email,
      organisationName: input.organisationName,
      link: `${dependencies.baseUrl}/console/invitations/${input.token}`,
    });
  }

  async function changeOwnersSafely(
    input: { organisationId: string; membershipId: string; actor: ConsoleActor },
    change: (transaction: Executor, member: MembershipRow) => Promise<{ action: string; details: Record<string, string> }>,
    leavesOwner: (member: MembershipRow) => boolean,
  ): Promise<void> {
    await db.transaction().execute(async (transaction) => {
      await lockUntilTransactionEnds(transaction, OWNERS_LOCK);
      const members = createOrganisationStore(transaction);
      const member = await members.findMembershipById(input.organisationId, input.membershipId);
      if (!member) throw new ConsoleError('console.MEMBER_NOT_FOUND', 'There is no such member', 404);
      if (member.role === 'owner' && !leavesOwner(member) && (await members.countOwners(input.organisationId)) <= 1) {
        throw new ConsoleError('console.LAST_OWNER', 'An organisation must keep at least one owner');
      }
      const { action, details } = await change(transaction, member);
      await audit.record(
        { actor: input.actor.audit, action, subject: `console-organisation:${input.organisationId}`, outcome: 'success', details: { membershipId: member.id, ...details } },
        transaction,
      );
    }).catch(async (error: unknown) => {
      if (error instanceof ConsoleError && error.code === 'console.LAST_OWNER') {
        await audit.record({
          actor: input.actor.audit,
          action: 'console.member.last-owner-refused',
          subject: `console-organisation:${input.organisationId}`,
          outcome: 'denied',
          details: { membershipId: input.membershipId },
        });
      }
      throw error;
    });
  }

  return {
    async addOperator(input: { email: string; actor: ConsoleActor }): Promise<{ operatorId: string }> {
      const email = requireEmail(input.email);
      return db.transaction().execute(async (transaction) => {
        const operators = createOrganisationStore(transaction);
        if (await operators.findOperatorByEmail(email)) throw new ConsoleError('console.OPERATOR_EXISTS', 'That email address is an operator already');
        const id = createTimeOrderedId();
        await operators.insertOperator({ id, email, person_key: null, added_by: input.actor.audit, created_at: clock().toISOString() });
        await audit.record({ actor: input.actor.audit, action: 'console.operator.added', subject: `console-operator:${id}`, outcome: 'success' }, transaction);
        return { operatorId: id };
      });
    },

    /**
     * Whether this person is an operator. A grant made by email belongs to the first person who
     * signs in with that address; after that, only to them, whatever their address becomes.
     */
    async isOperator(person: ConsolePerson): Promise<boolean> {
      if (await store.findOperatorByPerson(person.personKey)) return true;
      const granted = await store.findOperatorByEmail(normaliseEmail(person.email));
      if (!granted || granted.person_key !== null) return false;
      return db.transaction().execute(async (transaction) => {
        if (!(await createOrganisationStore(transaction).bindOperator(granted.id, person.personKey))) return false;
        await audit.record({ actor: actorOf(person).audit, action: 'console.operator.bound', subject: `console-operator:${granted.id}`, outcome: 'success' }, transaction);
        return true;
      });
    },

    async createOrganisation(input: {
      name: string;
      type?: string;
      govukSlug?: string;
      ownerEmail: string;
      actor: ConsoleActor;
    }): Promise<{ organisation: OrganisationRow; invitationId: string }> {
      const name = requireName(input.name);
      const type = input.type ?? 'department';
      if (!ORGANISATION_TYPES.includes(type as OrganisationType)) {
        throw new ConsoleError('console.INVALID_TYPE', `The type must be one of ${ORGANISATION_TYPES.join(', ')}`);
      }
      const slug = input.govukSlug?.trim() || null;
      if (slug !== null && (slug.length > 100 || !GOVUK_SLUG.test(slug))) {
        throw new ConsoleError('console.INVALID_SLUG', 'A GOV.UK organisation slug is lower-case letters, digits and hyphens, like department-for-education');
      }
      const ownerEmail = requireEmail(input.ownerEmail);
      const organisation: OrganisationRow = { id: createTimeOrderedId(), name, type, govuk_slug: slug, created_at: clock().toISOString() };
      const { token, invitation } = await db.transaction().execute(async (transaction) => {
        await createOrganisationStore(transaction).insertOrganisation(organisation);
        await audit.record(
          { actor: input.actor.audit, action: 'console.organisation.created', subject: `console-organisation:${organisation.id}`, outcome: 'success', details: { type } },
          transaction,
        );
        return createInvitation(transaction, { organisationId: organisation.id, email: ownerEmail, role: 'owner', actor: input.actor });
      });
      await sendInvitation({ email: ownerEmail, organisationName: name, token });
      return { organisation, invitationId: invitation.id };
    },

    async createService(input: { organisationId: string; name: string; actor: ConsoleActor }): Promise<ServiceRow> {
      const name = requireName(input.name);
      return db.transaction().execute(async (transaction) => {
        const services = createOrganisationStore(transaction);
        if (!(await services.findOrganisation(input.organisationId))) {
          throw new ConsoleError('console.ORGANISATION_NOT_FOUND', 'There is no such organisation', 404);
        }
        const service: ServiceRow = { id: createTimeOrderedId(), organisation_id: input.organisationId, name, created_at: clock().toISOString() };
        await services.insertService(service);
        await audit.record(
          { actor: input.actor.audit, action: 'console.service.created', subject: `console-service:${service.id}`, outcome: 'success', details: { organisationId: input.organisationId } },
          transaction,
        );
        return service;
      });
    },

    async invite(input: { organisationId: string; email: string; role: string; actor: ConsoleActor }): Promise<{ invitationId: string }> {
      const email = requireEmail(input.email);
      if (!isRole(input.role)) throw new ConsoleError('console.INVALID_ROLE', 'Choose owner, developer or viewer');
      const role = input.role;
      const organisation = await store.findOrganisation(input.organisationId);
      if (!organisation) throw new ConsoleError('console.ORGANISATION_NOT_FOUND', 'There is no such organisation', 404);
      const { token, invitation } = await db.transaction().execute((transaction) =>
        createInvitation(transaction, { organisationId: organisation.id, email, role, actor: input.actor }),
      );
      await sendInvitation({ email, organisationName: organisation.name, token });
      return { invitationId: invitation.id };
    },

    /** What the link's token is: unknown, used, expired, or open (and for which organisation). */
    async describeInvitation(token: string): Promise<InvitationState> {
      const invitation = INVITATION_TOKEN.test(token) ? await store.findInvitationByTokenHash(tokenHashOf(token)) : undefined;
      const organisation = invitation && (await store.findOrganisation(invitation.organisation_id));
      if (!invitation || !organisation) return { state: 'unknown' };
      if (invitation.accepted_at !== null) return { state: 'used', organisationName: organisation.name };
      if (invitation.expires_at <= clock().toISOString()) return { state: 'expired', organisationName: organisation.name };
      return { state: 'open', invitation, organisationName: organisation.name };
    },

    /**
     * Joins the signed-in person to the invitation's organisation, once, if the invitation was sent
     * to the email address they signed in with and has not expired. Someone who is a member already
     * keeps the role they have.
     */
    async acceptInvitation(input: { token: string; person: ConsolePerson }): Promise<Acceptance> {
      if (!INVITATION_TOKEN.test(input.token)) return { accepted: false, reason: 'unknown' };
      const actor = actorOf(input.person);
      const outcome = await db.transaction().execute(async (transaction): Promise<Acceptance & { invitationId?: string }> => {
        const invitations = createOrganisationStore(transaction);
        const invitation = await invitations.findInvitationByTokenHash(tokenHashOf(input.token));
        if (!invitation) return { accepted: false, reason: 'unknown' };
        const now = clock().toISOString();
        if (invitation.accepted_at !== null) return { accepted: false, reason: 'used', invitationId: invitation.id };
        if (invitation.expires_at <= now) return { accepted: false, reason: 'expired', invitationId: invitation.id };
        if (invitation.email !== normaliseEmail(input.person.email)) return { accepted: false, reason: 'other-person', invitationId: invitation.id };
        if (!(await invitations.markInvitationAccepted(invitation.id, { at: now, by: actor.audit }))) {
          return { accepted: false, reason: 'used', invitationId: invitation.id };
        }
        const existing = await invitations.findMembership(invitation.organisation_id, input.person.personKey);
        const membershipId = existing?.id ?? createTimeOrderedId();
        if (!existing) {
          await invitations.insertMembership({
            id: membershipId,
            organisation_id: invitation.organisation_id,
            person_key: input.person.personKey,
            email: normaliseEmail(input.person.email),
            role: invitation.role,
            created_at: now,
          });
        }
        await audit.record(
          {
            actor: actor.audit,
            action: 'console.invitation.accepted',
            subject: `console-invitation:${invitation.id}`,
            outcome: 'success',
            details: { organisationId: invitation.organisation_id, membershipId, role: existing?.role ?? invitation.role, alreadyMember: existing !== undefined },
          },
          transaction,
        );
        return { accepted: true, organisationId: invitation.organisation_id };
      });
      if (!outcome.accepted && outcome.invitationId) {
        await audit.record({ actor: actor.audit, action: 'console.invitation.refused', subject: `console-invitation:${outcome.invitationId}`, outcome: 'denied', details: { reason: outcome.reason } });
      }
      return outcome.accepted ? { accepted: true, organisationId: outcome.organisationId } : { accepted: false, reason: outcome.reason };
    },

    async changeRole(input: { organisationId: string; membershipId: string; role: string; actor: ConsoleActor }): Promise<void> {
      if (!isRole(input.role)) throw new ConsoleError('console.INVALID_ROLE', 'Choose owner, developer or viewer');
      const role = input.role;
      await changeOwnersSafely(
        input,
        async (transaction, member) => {
          await createOrganisationStore(transaction).setRole(member.id, role);
          return { action: 'console.member.role-changed', details: { from: member.role, to: role } };
        },
        () => role === 'owner',
      );
    },

    async removeMember(input: { organisationId: string; membershipId: string; actor: ConsoleActor }): Promise<void> {
      await changeOwnersSafely(
        input,
        async (transaction, member) => {
          await createOrganisationStore(transaction).removeMembership(member.id);
          return { action: 'console.member.removed', details: { role: member.role } };
        },
        () => false,
      );
    },

    /** Withdraws an invitation not yet accepted: its link stops working at once. */
    async withdrawInvitation(input: { organisationId: string; invitationId: string; actor: ConsoleActor }): Promise<void> {
      const withdrawn = await db.transaction().execute(async (transaction) => {
        if (!(await createOrganisationStore(transaction).deletePendingInvitation(input.organisationId, input.invitationId))) return false;
        await audit.record(
          {
            actor: input.actor.audit,
            action: 'console.invitation.withdrawn',
            subject: `console-invitation:${input.invitationId}`,
            outcome: 'success',
            details: { organisationId: input.organisationId },
          },
          transaction,
        );
        return true;
      });
      if (!withdrawn) throw new ConsoleError('console.INVITATION_NOT_FOUND', 'There is no such invitation waiting to be accepted', 404);
    },

    findPendingInvitation: (organisationId: string, invitationId: string) => store.findPendingInvitation(organisationId, invitationId, clock().toISOString()),
    findOrganisation: (id: string) => store.findOrganisation(id),
    listOrganisations: () => store.listOrganisations(),
    listOrganisationsOf: (personKey: string) => store.listOrganisationsOf(personKey),
    findMembership: (organisationId: string, personKey: string) => store.findMembership(organisationId, personKey),
    findMember: (organisationId: string, membershipId: string) => store.findMembershipById(organisationId, membershipId),
    listMembers: (organisationId: string) => store.listMembers(organisationId),
    listServices: (organisationId: string) => store.listServices(organisationId),
    findService: (organisationId: string, serviceId: string) => store.findService(organisationId, serviceId),
    listPendingInvitations: (organisationId: string) => store.listPendingInvitations(organisationId, clock().toISOString()),
  };
}

export type Organisations = ReturnType<typeof createOrganisations>;
