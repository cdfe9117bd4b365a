import type { AuditService } from '../../../platform/audit/audit.service.ts';
import type { Database } from '../../../platform/db/database.ts';
import { readRoadmap, type Roadmap, type RoadmapProblem } from './roadmap-document.ts';
import { createRoadmapStore } from './roadmap.store.ts';

export type RoadmapImport = { imported: true; version: number; missions: number; commitments: number; updates: number } | { imported: false; problems: RoadmapProblem[] };

/** The roadmap tracker: a checked roadmap document replaces the one shown, and every version is kept and audited. */
export function createRoadmapTracker(dependencies: { db: Database; audit: AuditService; clock?: () => Date }) {
  const { db, audit } = dependencies;
  const clock = dependencies.clock ?? (() => new Date());
  return {
    async importDocument(document: unknown, actor: string): Promise<RoadmapImport> {
      const read = readRoadmap(document);
      if ('problems' in read) return { imported: false, problems: read.problems };
      const { roadmap } = read;
      const commitments = roadmap.missions.flatMap((mission) => mission.commitments);
      const counts = { missions: roadmap.missions.length, commitments: commitments.length, updates: commitments.reduce((sum, commitment) => sum + commitment.updates.length, 0) };
      const version = await db.transaction().execute(async (transaction) => {
        const next = await createRoadmapStore(transaction).insertNext({ content: JSON.stringify(roadmap), imported_at: clock().toISOString(), imported_by: actor });
        await audit.record({ actor, action: 'insight.roadmap.imported', subject: `insight-roadmap:${next}`, outcome: 'success', details: counts }, transaction);
        return next;
      });
      return { imported: true, version, ...counts };
    },

    /** The roadmap shown now, with when it was imported; undefined before the first import. */
    async current(): Promise<{ roadmap: Roadmap; version: number; importedAt: string } | undefined> {
      const row = await createRoadmapStore(db).findLatest();
      return row ? { roadmap: JSON.parse(row.content) as Roadmap, version: Number(row.version), importedAt: row.imported_at } : undefined;
    },
  };
}

export type RoadmapTracker = ReturnType<typeof createRoadmapTracker>;
