/**
 * No module of the app, its functions or its commands imports itself through others: a type two
 * modules share lives with what both use (postgres-database-props.ts, scripts/lib/cost/price.ts).
 * Type-only imports count too: they are erased at run time, but the circle is still there to read.
 */
import * as fs from 'fs';
import * as path from 'path';
import { importsOf } from './support/imports';

const ROOT = path.join(__dirname, '..');
const FOLDERS = ['bin', 'lib', 'lambda', 'scripts'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The project file a relative specifier names; undefined for a package. */
function resolve(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), specifier);
  const found = [`${base}.ts`, path.join(base, 'index.ts'), base].find((candidate) =>
    fs.statSync(candidate, { throwIfNoEntry: false })?.isFile(),
  );
  // A relative import this walk cannot follow would hide a circle: say so instead.
  if (!found) throw new Error(`${path.relative(ROOT, from)}: cannot resolve ${specifier}`);
  return found.endsWith('.ts') ? found : undefined;
}

/** Every circle of the graph, each once, as the files around it from its smallest name. */
function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found = new Map<string, string[]>();
  const state = new Map<string, 'open' | 'done'>();
  const trail: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    trail.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') {
        const circle = trail.slice(trail.indexOf(next));
        const start = circle.indexOf([...circle].sort()[0]);
        const rotated = [...circle.slice(start), ...circle.slice(0, start)];
        found.set(rotated.join(' > '), rotated);
      } else if (!state.has(next)) visit(next);
    }
    trail.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return [...found.values()];
}

test('the checker finds a circle, and only circles', () => {
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a', 'd']],
    ['d', []],
    ['e', ['d']],
  ]);
  expect(cyclesOf(graph)).toEqual([['a', 'b', 'c']]);
  expect(cyclesOf(new Map([['x', ['x']]]))).toEqual([['x']]);
  expect(
    cyclesOf(
      new Map([
        ['a', ['b']],
        ['b', []],
      ]),
    ),
  ).toEqual([]);
});

test('bin, lib, lambda and scripts import no module that imports them back', () => {
  const files = FOLDERS.flatMap((folder) => sourceFiles(path.join(ROOT, folder)));
  const graph = new Map(
    files.map((file) => [
      path.relative(ROOT, file),
      importsOf(fs.readFileSync(file, 'utf8')).flatMap(({ specifier }) => {
        const target = resolve(file, specifier);
        return target ? [path.relative(ROOT, target)] : [];
      }),
    ]),
  );
  expect(files.length).toBeGreaterThan(100);
  expect(cyclesOf(graph).map((circle) => circle.join(' > '))).toEqual([]);
});
