import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);
const govukDist = join(require.resolve('govuk-frontend/package.json'), '..', 'dist', 'govuk');

const CONTENT_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};
const COMPRESSIBLE = new Set(['.css', '.js', '.json', '.svg']);

type Asset = { body: Buffer; gzipped?: Buffer; contentType: string; etag: string };

export type AssetCatalogue = {
  /** The URL prefix of this build's assets, such as `/assets/3f9a0c1b2d`. */
  path: string;
  version: string;
  files: ReadonlyMap<string, Asset>;
};

function listFiles(directory: string, prefix = ''): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? listFiles(join(directory, entry.name), `${prefix}${entry.name}/`)
      : [`${prefix}${entry.name}`],
  );
}

let loaded: AssetCatalogue | undefined;

/**
 * GOV.UK Frontend's stylesheet, script, fonts and images, read and compressed once a process
 * (every app the process builds serves the same installed files). Their URLs carry a
 * fingerprint of the contents, so browsers may keep them for a year: a new release of the
 * assets gets new URLs.
 */
export function loadAssets(): AssetCatalogue {
  loaded ??= readAssets();
  return loaded;
}

function readAssets(): AssetCatalogue {
  const sources = new Map<string, Buffer>();
  sources.set('govuk-frontend.min.css', readFileSync(join(govukDist, 'govuk-frontend.min.css')));
  sources.set('govuk-frontend.min.js', readFileSync(join(govukDist, 'govuk-frontend.min.js')));
  for (const name of listFiles(join(govukDist, 'assets'))) {
    sources.set(name, readFileSync(join(govukDist, 'assets', name)));
  }

  const fingerprint = createHash('sha256');
  for (const [name, body] of sources) fingerprint.update(name).update(body);
  const version = fingerprint.digest('hex').slice(0, 12);
  const path = `/assets/${version}`;

  const files = new Map<string, Asset>();
  for (const [name, source] of sources) {
    const extension = extname(name);
    // The stylesheet names fonts and images from /assets/; point it at this build's folder.
    const body =
      name === 'govuk-frontend.min.css'
        ? Buffer.from(source.toString('utf8').replaceAll('url(/assets/', `url(${path}/`))
        : source;
    files.set(name, {
      body,
      gzipped: COMPRESSIBLE.has(extension) ? gzipSync(body, { level: 9 }) : undefined,
      contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`,
    });
  }
  return { path, version, files };
}

const LONG_CACHE = 'public, max-age=31536000, immutable';

export function registerAssetRoutes(app: FastifyInstance, assets: AssetCatalogue): void {
  app.get<{ Params: { version: string; '*': string } }>(
    '/assets/:version/*',
    { config: { csrf: false } },
    async (request, reply) => {
      const asset = assets.files.get(request.params['*']);
      if (!asset) return reply.callNotFound();
      // During a rolling deployment a page from the other release may ask for its own
      // version: serve what we have, but do not let it be cached as that version.
      reply.header(
        'cache-control',
        request.params.version === assets.version ? LONG_CACHE : 'no-cache',
      );
      reply.header('etag', asset.etag);
      reply.header('content-type', asset.contentType);
      reply.header('vary', 'accept-encoding');
      if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      const acceptsGzip = /\bgzip\b/.test(request.headers['accept-encoding'] ?? '');
      if (asset.gzipped && acceptsGzip) {
        reply.header('content-encoding', 'gzip');
        return reply.send(asset.gzipped);
      }
      return reply.send(asset.body);
    },
  );
}

export const govukFrontendDirectory = govukDist;
