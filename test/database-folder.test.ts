/**
 * jest.config.js gives the PostgreSQL server only to the files in test/database/; a file elsewhere
 * that reached test/support/postgres.ts would run in the project that never starts the server, and
 * fail (or, with a server from a database test in the same run, pass only by luck of the command).
 * This reads the files, so a misplaced test fails here whichever command runs it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { importsOf } from './support/imports';

const ROOT = path.join(__dirname, '..');
const TEST = path.join(ROOT, 'test');
const DATABASE = path.join(TEST, 'database');
const POSTGRES = path.join(TEST, 'support', 'postgres.ts');
/** The database project's own setup: it starts the server, in jest's parent process. */
const SETUP = ['global-setup-database.ts', 'global-teardown.ts'].map((file) => path.join(TEST, 'support', file));

function sources(directory: string): string[] {
  return fs
    .readdirSync(directory, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? sources(path.join(directory, entry.name))
        : /\.[cm]?[jt]s$/.test(entry.name)
          ? [path.join(directory, entry.name)]
          : [],
    );
}

/**
 * The file among `known` that a relative specifier names, trying the extensions TypeScript would;
 * undefined for anything else (a test's source may quote an import as a string).
 */
function resolved(from: string, specifier: string, known: ReadonlySet<string>): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  return [base, `${base}.ts`, `${base}.js`, path.join(base, 'index.ts')].find((candidate) => known.has(candidate));
}

/**
 * Each file outside test/database/ that reaches test/support/postgres.ts, directly or through other
 * test/ files, with the chain of imports that gets there.
 */
function outsideImporters(files: readonly string[], read: (file: string) => string): string[] {
  const relative = (file: string) => path.relative(ROOT, file).split(path.sep).join('/');
  const known = new Set([...files, POSTGRES]);
  const memo = new Map<string, string[] | undefined>();
  const chainTo = (file: string, visiting: Set<string>): string[] | undefined => {
    if (file === POSTGRES) return [relative(file)];
    if (memo.has(file)) return memo.get(file);
    if (visiting.has(file) || !file.startsWith(TEST + path.sep)) return undefined;
    visiting.add(file);
    let chain: string[] | undefined;
    for (const { specifier } of importsOf(read(file))) {
      if (!specifier.startsWith('.')) continue;
      const target = resolved(file, specifier, known);
      const rest = target === undefined ? undefined : chainTo(target, visiting);
      if (rest) {
        chain = [relative(file), ...rest];
        break;
      }
    }
    visiting.delete(file);
    memo.set(file, chain);
    return chain;
  };
  return files
    .filter((file) => !file.startsWith(DATABASE + path.sep) && file !== POSTGRES && !SETUP.includes(file))
    .flatMap((file) => {
      const chain = chainTo(file, new Set());
      return chain ? [chain.join(' -> ')] : [];
    });
}

describe('test/database/', () => {
  test('no file outside test/database/ imports test/support/postgres.ts, directly or through another', () => {
    const files = sources(TEST);
    expect(files.filter((file) => file.startsWith(DATABASE + path.sep) && file.endsWith('.test.ts')).length).toBeGreaterThan(5);
    expect(outsideImporters(files, (file) => fs.readFileSync(file, 'utf8'))).toEqual([]);
  });

  test('the scan finds a direct and an indirect importer outside test/database/', () => {
    const direct = path.join(TEST, 'new-thing.test.ts');
    const helper = path.join(TEST, 'rehearsal', 'helper.ts');
    const indirect = path.join(TEST, 'other-thing.test.ts');
    const inside = path.join(DATABASE, 'fine.test.ts');
    const clean = path.join(TEST, 'clean.test.ts');
    // Built from parts, so that this file's own source holds no such import for the first test to find.
    const use = (what: string, specifier: string) => `import { ${what} } from '${specifier}';`;
    const source: Record<string, string> = {
      [direct]: use('createTestDatabase', './support/postgres'),
      [helper]: use('loginWorks', '../support/postgres'),
      [indirect]: use('helper', './rehearsal/helper'),
      [inside]: use('createTestDatabase', '../support/postgres'),
      [clean]: `${use('variants', './support/variants')}\n// ${use('createTestDatabase', './support/postgres')}`,
    };
    expect(outsideImporters(Object.keys(source), (file) => source[file] ?? '')).toEqual([
      'test/new-thing.test.ts -> test/support/postgres.ts',
      'test/rehearsal/helper.ts -> test/support/postgres.ts',
      'test/other-thing.test.ts -> test/rehearsal/helper.ts -> test/support/postgres.ts',
    ]);
  });
});
