/**
 * Each lambda/<function>/ folder is bundled on its own (lib/constructs/bundled-lambda-code.ts); code
 * that two functions use lives in lambda/shared, so that a change to one function's files never
 * changes another function's bundle behind its back, nor makes one function's folder the other's API.
 */
import * as fs from 'fs';
import * as path from 'path';
import { importsOf } from './support/imports';

const LAMBDA = path.join(__dirname, '..', 'lambda');
const SHARED = 'shared';

/** The lambda/ folder a path is in, or undefined outside lambda/. */
function functionFolderOf(file: string): string | undefined {
  const relative = path.relative(LAMBDA, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  return relative.split(path.sep)[0];
}

/** Every import from one lambda/ folder into another, except into lambda/shared (which itself imports no function's folder). */
function crossFolderImports(files: readonly string[], read: (file: string) => string = (file) => fs.readFileSync(file, 'utf8')) {
  const violations: string[] = [];
  for (const file of files) {
    const folder = functionFolderOf(file);
    for (const { specifier, line } of importsOf(read(file))) {
      if (!specifier.startsWith('.')) continue;
      const target = functionFolderOf(path.resolve(path.dirname(file), specifier));
      if (target === undefined || target === folder || target === SHARED) continue;
      violations.push(`${path.relative(path.join(LAMBDA, '..'), file)}:${line} imports '${specifier}' (lambda/${target})`);
    }
  }
  return violations;
}

function lambdaSources(directory = LAMBDA): string[] {
  return fs
    .readdirSync(directory, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? lambdaSources(path.join(directory, entry.name))
        : /\.(ts|js|mjs|cjs)$/.test(entry.name)
          ? [path.join(directory, entry.name)]
          : [],
    );
}

describe('lambda/ layout', () => {
  test('no lambda/<function>/ file imports another function folder: only lambda/shared', () => {
    const files = lambdaSources();
    expect(files.some((file) => functionFolderOf(file) === SHARED)).toBe(true);
    expect(crossFolderImports(files)).toEqual([]);
  });

  test('the scan sees every import form, and tells a shared import from another function folder', () => {
    const file = path.join(LAMBDA, 'credential-refresh', 'refresh.ts');
    const source = [
      "import { a } from '../shared/secrets';",
      "import type {\n  B,\n} from '../credential-rotation/postgres-app';",
      "export { c } from '../partition-maintenance/months';",
      "import '../deploy-time-task/task-run';",
      "const d = await import('../credential-rotation/rotation');",
      "const e = require('../partition-maintenance/retry');",
      "import { f } from './refresh-helpers';",
      "import { g } from '../../lib/contract';",
      "/* import { h } from '../credential-rotation/caught-up'; */",
    ].join('\n');
    expect(crossFolderImports([file], () => source)).toEqual([
      "lambda/credential-refresh/refresh.ts:4 imports '../credential-rotation/postgres-app' (lambda/credential-rotation)",
      "lambda/credential-refresh/refresh.ts:5 imports '../partition-maintenance/months' (lambda/partition-maintenance)",
      "lambda/credential-refresh/refresh.ts:6 imports '../deploy-time-task/task-run' (lambda/deploy-time-task)",
      "lambda/credential-refresh/refresh.ts:7 imports '../credential-rotation/rotation' (lambda/credential-rotation)",
      "lambda/credential-refresh/refresh.ts:8 imports '../partition-maintenance/retry' (lambda/partition-maintenance)",
    ]);
  });

  test('lambda/shared imports no function folder either', () => {
    const file = path.join(LAMBDA, SHARED, 'secrets.ts');
    expect(crossFolderImports([file], () => "import { rotate } from '../credential-rotation/rotation';")).toEqual([
      "lambda/shared/secrets.ts:1 imports '../credential-rotation/rotation' (lambda/credential-rotation)",
    ]);
  });
});
