import type { MigrationList } from '../../../platform/db/migrations.ts';
import * as createGuidanceTables from './0001-create-guidance-tables.ts';
import * as createAssistantOutcomes from './0002-create-assistant-outcomes.ts';
import * as createAssistantRateLimit from './0003-create-assistant-rate-limit.ts';
import * as createAnswerVotes from './0004-create-answer-votes.ts';

/**
 * guidance_assistant_rate (0003) is no longer used from 0.1.0 on (the kernel's rate limit counts the
 * assistant's questions): a later release drops it, with `// @contract after 0.1.0` (docs/upgrades.md).
 */
export const guidanceMigrations: MigrationList = {
  owner: 'guidance',
  migrations: [
    { id: '0001-create-guidance-tables', migration: createGuidanceTables },
    { id: '0002-create-assistant-outcomes', migration: createAssistantOutcomes },
    { id: '0003-create-assistant-rate-limit', migration: createAssistantRateLimit },
    { id: '0004-create-answer-votes', migration: createAnswerVotes },
  ],
};
