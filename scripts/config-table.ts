/**
 * Writes the table of what differs between the environments into docs/configuration.md, from
 * lib/config/environments.ts; --check only says whether the page is up to date (for CI).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { differencesTable, withDifferencesTable } from '../lib/config/differences';
import { ENVIRONMENTS } from '../lib/config/environments';
import { argumentsOrExit, EXIT, parseCommandLine } from './lib/command-line';
import { runMain } from './lib/run-main';

const USAGE = `usage: npm run config-table [-- --check]
  writes the table of what differs between the environments into docs/configuration.md
  --check   change nothing; exit 1 if the table there is not the one the config gives`;

export const DOCS_PATH = path.join(__dirname, '..', 'docs', 'configuration.md');

export async function main(argv: readonly string[], docsPath = DOCS_PATH): Promise<number> {
  const parsed = argumentsOrExit(USAGE, () => parseCommandLine(argv, { options: { check: { type: 'boolean' } } }).values.check ?? false);
  if ('exit' in parsed) return parsed.exit;
  const check = parsed.value;

  const current = fs.readFileSync(docsPath, 'utf8');
  const updated = withDifferencesTable(current, differencesTable(ENVIRONMENTS));
  const relative = path.relative(process.cwd(), docsPath);
  if (check) {
    if (updated === current) return EXIT.ok;
    console.error(`${relative}: the table of differences is not the config's; run npm run config-table`);
    return EXIT.failed;
  }
  if (updated !== current) fs.writeFileSync(docsPath, updated);
  console.log(updated === current ? `${relative}: up to date` : `${relative}: table of differences written`);
  return EXIT.ok;
}

runMain(module, main);
