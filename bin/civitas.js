#!/usr/bin/env node
// npm puts the Node.js 24 from the `node` dev dependency first on PATH, so this runs the
// TypeScript sources directly, with Node's type stripping.
import { runCli } from '../src/cli.ts';

process.exitCode = await runCli(process.argv.slice(2));
