/**
 * The outputs operators and the commands read (docs/operations.md): each in the stack that holds it,
 * in every environment, with a value, and documented.
 */
import * as fs from 'fs';
import * as path from 'path';
import { OPERATOR_OUTPUTS } from '../lib/config/names';
import { templateOf } from './support/synthesized';

const docs = fs.readFileSync(path.join(__dirname, '..', 'docs', 'operations.md'), 'utf8');
const table = docs.slice(docs.indexOf('<!-- operator-outputs -->'), docs.indexOf('<!-- /operator-outputs -->'));

test.each(['dev', 'staging', 'prod'])('%s: every operator output is in its stack, under its readable name', (envName) => {
  for (const { stack, name } of Object.values(OPERATOR_OUTPUTS)) {
    const outputs = templateOf(envName, stack).findOutputs(name);
    expect([name, Object.keys(outputs)]).toEqual([name, [name]]);
    expect(outputs[name].Value).toBeDefined();
  }
});

test('docs/operations.md lists every operator output with its stack, and no other', () => {
  const rows = table
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => {
      const [names, stack] = line.split('|').slice(1, 3);
      return [...names.matchAll(/`(\w+)`/g)].map((match) => `${match[1]} ${stack.trim()}`);
    });
  expect(rows.sort()).toEqual(
    Object.values(OPERATOR_OUTPUTS)
      .map(({ stack, name }) => `${name} ${stack.toLowerCase()}`)
      .sort(),
  );
});

test('the one-off task example reads outputs that exist, from the stacks that hold them', () => {
  const example = /```bash\nout\(\) \{[\s\S]*?```/.exec(docs)![0];
  const read = [...example.matchAll(/\$\(out (\w+) (\w+)\)/g)].map((match) => `${match[2]} ${match[1]}`);
  expect(new Set(read)).toEqual(
    new Set([
      'ClusterName services',
      'MigrationTaskDefinitionFamily services',
      'ApiCapacityProvider services',
      'PrivateSubnetIds network',
      'MigrationClientSecurityGroupId data',
      'MigrationContainerName services',
      'ApiLogGroupName services',
    ]),
  );
  const known = Object.values(OPERATOR_OUTPUTS).map(({ stack, name }) => `${name} ${stack.toLowerCase()}`);
  for (const output of read) expect(known).toContain(output);
});
