import * as fs from 'fs';
import { scrubAssetHashes } from './support/scrub';
import { synthesized } from './support/synthesized';
import { VARIANTS } from './support/variants';

const cases = VARIANTS.flatMap((variant) =>
  synthesized(variant.name).stacks.map((stack) => [variant.name, stack.id, stack.templateFile] as const),
);

test.each(cases)('%s %s template', (_variant, _stack, templateFile) => {
  expect(scrubAssetHashes(JSON.parse(fs.readFileSync(templateFile, 'utf8')))).toMatchSnapshot();
});
