import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SHARED_DEFAULTS } from '../lib/config/defaults';
import { differencesTable, differingPaths, leafValues, withDifferencesTable } from '../lib/config/differences';
import { ENVIRONMENTS, OVERRIDES } from '../lib/config/environments';
import { deepMerge } from '../lib/config/merge';
import { DOCS_PATH, main } from '../scripts/config-table';

describe('deepMerge', () => {
  test('objects merge key by key, lists and values replace, and neither input changes', () => {
    const base = { a: 1, group: { kept: 'x', replaced: 'y', list: [1, 2, 3] } };
    const override = { group: { replaced: 'z', list: [4] }, added: true };
    expect(deepMerge(base, override)).toEqual({ a: 1, group: { kept: 'x', replaced: 'z', list: [4] }, added: true });
    expect(base).toEqual({ a: 1, group: { kept: 'x', replaced: 'y', list: [1, 2, 3] } });
    expect(override).toEqual({ group: { replaced: 'z', list: [4] }, added: true });
  });
});

describe('the table of differences', () => {
  test('one row per differing path, sorted, "-" for a field an environment lacks, lists whole', () => {
    const table = differencesTable({
      dev: { size: 1, name: 'a', zones: ['x', 'y'], extra: { on: true }, same: { n: 2 } },
      staging: { size: 1, name: 'b|c', zones: ['x', 'y'], same: { n: 2 } },
      prod: { size: 3, name: 'a', zones: [], same: { n: 2 } },
    });
    expect(table).toBe(
      [
        '| field | dev | staging | prod |',
        '|---|---|---|---|',
        '| `extra.on` | true | - | - |',
        '| `name` | a | b\\|c | a |',
        '| `size` | 1 | 1 | 3 |',
        '| `zones` | x, y | x, y | none |',
      ].join('\n'),
    );
  });

  test("docs/configuration.md shows the config's table (npm run config-table writes it)", () => {
    const docs = fs.readFileSync(DOCS_PATH, 'utf8');
    expect(withDifferencesTable(docs, differencesTable(ENVIRONMENTS))).toBe(docs);
  });

  test('the defaults hold what the environments share, the environments only what differs', () => {
    const overridden = new Set(Object.values(OVERRIDES).flatMap((settings) => [...leafValues(settings).keys()]));
    expect([...overridden].sort()).toEqual([...differingPaths(ENVIRONMENTS)].sort());
    expect([...leafValues(SHARED_DEFAULTS).keys()].filter((field) => overridden.has(field))).toEqual([]);
  });
});

describe('npm run config-table', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-table-'));
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('--check fails on a stale table, which a run rewrites', async () => {
    const docs = path.join(dir, 'configuration.md');
    fs.writeFileSync(docs, '# Page\n\n<!-- differences:start -->\n| stale |\n<!-- differences:end -->\n\nafter\n');
    expect(await main(['--check'], docs)).toBe(1);
    expect(await main([], docs)).toBe(0);
    expect(fs.readFileSync(docs, 'utf8')).toBe(
      `# Page\n\n<!-- differences:start -->\n${differencesTable(ENVIRONMENTS)}\n<!-- differences:end -->\n\nafter\n`,
    );
    expect(await main(['--check'], docs)).toBe(0);
  });

  test('--help prints the usage and exits 0; an unknown option exits 2 naming the option meant, then the usage', async () => {
    expect(await main(['--help'])).toBe(0);
    expect(console.log).toHaveBeenCalledWith(expect.stringMatching(/^usage: npm run config-table/));
    expect(await main(['--chek'])).toBe(2);
    expect(jest.mocked(console.error).mock.calls[0][0].split('\n')[0]).toBe('unknown option --chek (did you mean --check?)');
    expect(await main(['--check=yes'])).toBe(2);
    expect(jest.mocked(console.error).mock.calls[1][0].split('\n')[0]).toBe('--check takes no value (got yes)');
  });
});
