import type { CivitasModule } from '../../platform/module.ts';
import { formsMigrations } from './migrations/forms.migrations.ts';

/** Forms: form definitions and their versions, the runner at /forms/{slug}, submissions. */
export const formsModule: CivitasModule = {
  name: 'forms',
  migrations: formsMigrations,
};
