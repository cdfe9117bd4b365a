/**
 * The marketplace's figure from issue 15: catalogue search p95 over 10,000 generated records
 * (datasets and data services, a fifth of them INTERNAL), beside a static page in the same
 * layout (the page shell) measured in the same run. Pages are rendered in process (app.inject)
 * on durable SQLite, as the console's benchmark does; the search index is built before timing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildApp, modules } from '../src/app.ts';
import { loadConfig } from '../src/platform/config/load-config.ts';
import { openKernel } from '../src/platform/kernel.ts';
import { openCatalogueRecords } from '../src/modules/marketplace/marketplace.contract.ts';
import { percentile, report } from './bench-support.ts';

const RECORDS = 10_000;
const RENDERS_PER_QUERY = 100;

// A deterministic generator, so every run searches the same catalogue.
let seed = 15;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
const SUBJECTS = ['Road traffic', 'Bus punctuality', 'School census', 'Hospital admissions', 'Benefit caseload', 'Housing completions', 'Air quality', 'Flood warnings', 'Postcode', 'Council Tax bands', 'Prison population', 'Company filings', 'Land registry', 'Weather station', 'Pension credit', 'Child benefit', 'Vehicle licensing', 'Water quality', 'Energy use', 'Library loans'];
const MEASURES = ['counts', 'statistics', 'records', 'register', 'returns', 'estimates', 'lookup', 'survey', 'payments', 'forecasts'];
const AREAS = ['England', 'Wales', 'Scotland', 'Northern Ireland', 'local authority', 'region', 'ward', 'constituency', 'the United Kingdom'];
const COMMON_WORDS = 'annual monthly weekly published collected measured reported local national regional official data service record people households businesses schools roads transport health education housing environment justice money tax benefits employment population address boundary geography quality update revision method source sample survey administrative linked matched open internal commercial interface endpoint request response'.split(' ');
// Descriptions draw on a vocabulary of a few thousand words, common ones often and rare ones
// seldom (Zipf's law, as in real text), so a search for a common word matches many records and
// one for a rare word few.
const SYLLABLES = ['ab', 'ber', 'cal', 'dor', 'el', 'fin', 'gar', 'hol', 'in', 'jen', 'kel', 'lan', 'mor', 'nes', 'ol', 'pen', 'quar', 'ros', 'sel', 'tan', 'ur', 'ven', 'wal', 'yst'];
const WORDS = [...COMMON_WORDS, ...Array.from({ length: 3_000 }, (_, index) => `${SYLLABLES[index % 24]}${SYLLABLES[Math.floor(index / 24) % 24]}${SYLLABLES[Math.floor(index / 576) % 24]}`)];
const zipfWord = () => WORDS[Math.min(WORDS.length - 1, Math.floor(Math.exp(random() * Math.log(WORDS.length))) - 1)]!;
const ORGANISATIONS = ['department-for-transport', 'department-for-education', 'department-for-work-pensions', 'hm-revenue-customs', 'ordnance-survey', 'environment-agency', 'office-for-national-statistics', 'ministry-of-justice', 'met-office', 'hm-land-registry'];
const THEMES = ['transport', 'education', 'health', 'housing', 'environment', 'justice', 'money', 'location', 'population', 'business'];
const ACCESS = ['OPEN', 'OPEN', 'COMMERCIAL', 'INTERNAL', 'OPEN'];
const STATUSES = ['ALPHA', 'BETA', 'LIVE', 'LIVE', 'DEPRECATED'];

function generatedRecord(index: number): Record<string, unknown> {
  const title = `${pick(SUBJECTS)} ${pick(MEASURES)} by ${pick(AREAS)} ${index}`;
  const organisation = pick(ORGANISATIONS);
  const common = {
    identifier: `https://data.example.gov.uk/record/${index}`,
    title,
    description: Array.from({ length: 60 }, zipfWord).join(' '),
    keyword: [pick(COMMON_WORDS), zipfWord(), pick(SUBJECTS).toLowerCase()].filter((word, position, list) => list.indexOf(word) === position),
    theme: [pick(THEMES)],
    accessRights: pick(ACCESS),
    securityClassification: random() < 0.9 ? 'OFFICIAL' : 'NOT_APPLICABLE',
    contactPoint: { contactName: 'Data team', email: `data@${organisation}.example.gov.uk` },
    creator: [organisation],
    publisher: organisation,
    licence: 'http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/',
    modified: `20${10 + Math.floor(random() * 16)}-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 9)}`,
    version: `v${1 + Math.floor(random() * 5)}`,
  };
  if (index % 4 === 0) {
    return { ...common, type: 'dcat:DataService', serviceType: 'REST', serviceStatus: pick(STATUSES), endpointURL: `https://api.example.gov.uk/${index}`, endpointDescription: `https://api.example.gov.uk/${index}/openapi.json`, servesData: [`https://data.example.gov.uk/record/${index + 1}`] };
  }
  return { ...common, type: 'dcat:Dataset', updateFrequency: 'freq:monthly' };
}

const directory = mkdtempSync(join(tmpdir(), 'civitas-marketplace-bench-'));
const { config } = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_URL: `sqlite:${join(directory, 'civitas.sqlite')}` });
const kernel = openKernel({ config, modules, logger: pino({ level: 'silent' }) });
await kernel.migrate();
const app = await buildApp(kernel);

const records = openCatalogueRecords(kernel);
const loadStarted = performance.now();
for (let index = 1; index <= RECORDS; index += 1) {
  const outcome = await records.saveRecord({ document: generatedRecord(index), actor: 'bench' });
  if (outcome.outcome === 'refused') throw new Error(`record ${index} refused: ${JSON.stringify(outcome.problems)}`);
}
const loadSeconds = (performance.now() - loadStarted) / 1000;

/** The p95 of the wall time of every render, and the CPU time this process spent per render (the machine may be shared). */
async function renderP95(urls: readonly string[]): Promise<{ p95: number; cpuMs: number; byQuery: string }> {
  const cpuBefore = process.cpuUsage();
  const timings: number[] = [];
  const byQuery: string[] = [];
  for (const url of urls) {
    const query: number[] = [];
    for (let index = 0; index < RENDERS_PER_QUERY; index += 1) {
      const started = performance.now();
      const response = await app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
      query.push(performance.now() - started);
      if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}`);
    }
    timings.push(...query);
    byQuery.push(`  ${percentile(query, 0.95).toFixed(2)} ms  ${url}`);
  }
  const cpu = process.cpuUsage(cpuBefore);
  return { p95: percentile(timings, 0.95), cpuMs: (cpu.user + cpu.system) / 1000 / timings.length, byQuery: byQuery.join('\n') };
}

const searches = [
  '/data',
  '/data?q=traffic',
  '/data?q=trafic+conts',
  '/data?q=postcode+lookup&type=DataService&serviceStatus=LIVE',
  '/data?q=weather&theme=environment&theme=location&accessRights=OPEN&sort=modified',
  '/data?organisation=hm-revenue-customs&sort=title&page=5',
  '/data?q=statistics+wales&lang=cy',
];
const indexStarted = performance.now();
await app.inject({ method: 'GET', url: '/data' });
const indexSeconds = (performance.now() - indexStarted) / 1000;
const shell = await renderP95(['/cookies']);
const { p95, cpuMs, byQuery } = await renderP95(searches);

process.stdout.write('Marketplace\n');
report({
  what: `catalogue search page p95 over ${RECORDS.toLocaleString('en-GB')} records (${searches.length} searches: words, typos, filters, sorting, paging)`,
  value: `${p95.toFixed(2)} ms`,
  target: '< 25 ms',
  baseline: `static page in the same layout p95 ${shell.p95.toFixed(2)} ms; CPU per render ${cpuMs.toFixed(2)} ms, static page ${shell.cpuMs.toFixed(2)} ms`,
  met: p95 < 25,
});
process.stdout.write(`${byQuery}\n  loading ${RECORDS} records through the model's checks: ${loadSeconds.toFixed(1)} s; building the index: ${indexSeconds.toFixed(2)} s\n`);
await app.close();
await kernel.close();
rmSync(directory, { recursive: true, force: true });
