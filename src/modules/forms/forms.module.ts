import type { CivitasModule } from '../../platform/module.ts';
import { formsCommands } from './forms.cli.ts';
import { formsMigrations } from './migrations/forms.migrations.ts';

/** Forms: form definitions and their versions, the runner at /forms/{slug}, submissions. */
export const formsModule: CivitasModule = {
  name: 'forms',
  migrations: formsMigrations,
  commands: formsCommands,
};
