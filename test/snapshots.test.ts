import * as fs from 'fs';
import { scrubAssetHashes } from './support/scrub';
import { synthesized } from './support/synthesized';
import { VARIANTS } from './support/variants';

// The restored variants differ from theirs in the database's restore properties, which the construct
// tests pin (test/constructs/postgres-database.test.ts); every other suite runs them whole.
const cases = VARIANTS.filter((variant) => !variant.overrides?.['database.restore.generation']).flatMap((variant) =>
  synthesized(variant.name).stacks.map((stack) => [variant.name, stack.id, stack.templateFile] as const),
);

test.each(cases)('%s %s template', (_variant, _stack, templateFile) => {
  expect(scrubAssetHashes(JSON.parse(fs.readFileSync(templateFile, 'utf8')))).toMatchSnapshot();
});
