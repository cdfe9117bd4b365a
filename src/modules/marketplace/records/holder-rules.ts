import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Config } from '../../../platform/config/config.schema.ts';
import type { Database } from '../../../platform/db/database.ts';
import { listGovukSlugsOfConsoleOrganisations } from '../../console/console.contract.ts';
import { createAgreementRequests } from '../../exchange/exchange.contract.ts';
import { describeProblem, type CatalogueRecord, type RecordProblem } from './validate-record.ts';

/**
 * What a record may say of whose it is, given the organisation that holds it (undefined: an
 * operator's import for nobody).
 *
 * - `publisher` is the holder's own GOV.UK slug when the holder has one; when it has none, it is not
 *   another registered organisation's slug.
 * - `creator` names no other registered organisation's slug (a creator not on Civitas may be named).
 * - An identifier under this platform's own /r1/ is held only by the organisation of the approved
 *   Exchange member it names: nobody may take another member's service address, even before that
 *   service exists, and an address naming no member is refused. This holds for operators too.
 */
export function createHolderRules(dependencies: { db: Database; audit: AuditService; config: Config }) {
  const exchange = createAgreementRequests(dependencies);

  async function checkExchangeAddress(record: Partial<CatalogueRecord>, organisationId: string | undefined): Promise<RecordProblem[]> {
    if (typeof record.identifier !== 'string') return [];
    const member = await exchange.findMemberOrganisationAt(record.identifier);
    if (member === undefined || (member.organisationId !== undefined && member.organisationId === organisationId)) return [];
    return [describeProblem('identifier', member.organisationId === undefined ? 'exchangeAddressOfNoMember' : 'exchangeAddressOfAnother')];
  }

  async function checkOrganisations(record: Partial<CatalogueRecord>, organisationId: string): Promise<RecordProblem[]> {
    const registered = await listGovukSlugsOfConsoleOrganisations(dependencies.db);
    const own = registered.find((organisation) => organisation.organisationId === organisationId)?.govukSlug;
    const others = new Set(registered.filter((organisation) => organisation.organisationId !== organisationId && organisation.govukSlug !== own).map((organisation) => organisation.govukSlug));
    const problems: RecordProblem[] = [];
    const { publisher, creator } = record;
    if (typeof publisher === 'string') {
      if (own !== undefined && publisher !== own) problems.push(describeProblem('publisher', 'publisherNotHolder', { slug: own }));
      else if (others.has(publisher)) problems.push(describeProblem('publisher', 'organisationOfAnother'));
    }
    if (Array.isArray(creator)) {
      creator.forEach((slug, index) => {
        if (typeof slug === 'string' && others.has(slug)) problems.push(describeProblem(`creator[${index}]`, 'organisationOfAnother'));
      });
    }
    return problems;
  }

  return {
    /** The problems of a record (or a draft of one) that names an organisation, or an Exchange address, not its holder's. */
    async check(record: Partial<CatalogueRecord>, organisationId: string | undefined): Promise<RecordProblem[]> {
      return [...(organisationId === undefined ? [] : await checkOrganisations(record, organisationId)), ...(await checkExchangeAddress(record, organisationId))];
    },
  };
}
