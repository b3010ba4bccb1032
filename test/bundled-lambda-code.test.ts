import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bundledLambdaCode } from '../lib/constructs/bundled-lambda-code';

const SQL = path.join(__dirname, '..', 'sql');
const NODE = lambda.Runtime.NODEJS_24_X;

describe('bundledLambdaCode', () => {
  test('refuses a folder with no index.ts, naming it', () => {
    expect(() => bundledLambdaCode({ folder: 'no-such-function', runtime: NODE })).toThrow(
      /lambda\/no-such-function\/index\.ts does not exist/,
    );
  });

  test('refuses a runtime it cannot build for, naming it', () => {
    expect(() => bundledLambdaCode({ folder: 'partition-maintenance', runtime: lambda.Runtime.PYTHON_3_13 })).toThrow(
      'python3.13 is not a Node.js runtime of the form nodejs<major>.x',
    );
  });

  test('refuses an extra folder that does not exist, or a name that is not a plain folder name', () => {
    expect(() => bundledLambdaCode({ folder: 'partition-maintenance', extraDirectories: { sql: '/no/such/dir' }, runtime: NODE })).toThrow(
      /\/no\/such\/dir \(for 'sql' in the bundle of partition-maintenance\) is not a folder/,
    );
    expect(() => bundledLambdaCode({ folder: 'partition-maintenance', extraDirectories: { '../sql': SQL }, runtime: NODE })).toThrow(
      /'\.\.\/sql' is not a folder name/,
    );
  });

  test('bundles index.ts into one index.js with the extra folders beside it, the AWS SDK left to the runtime', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
    try {
      const app = new App({ outdir, builtinCloudFormationValidation: false }); // the bundle is what is read here
      const stack = new Stack(app, 'Probe');
      const code = bundledLambdaCode({ folder: 'partition-maintenance', extraDirectories: { sql: SQL }, runtime: NODE });
      new lambda.Function(stack, 'Function', { code, handler: 'index.handler', runtime: NODE });
      app.synth();
      const asset = fs.readdirSync(outdir).find((name) => name.startsWith('asset.'))!;
      const files = fs.readdirSync(path.join(outdir, asset)).sort();
      expect(files).toEqual(['index.js', 'sql']);
      expect(fs.readdirSync(path.join(outdir, asset, 'sql')).sort()).toEqual(fs.readdirSync(SQL).sort());
      const bundle = fs.readFileSync(path.join(outdir, asset, 'index.js'), 'utf8');
      expect(bundle).toMatch(/require\("@aws-sdk\/client-[a-z0-9-]+"\)/);
      expect(bundle).not.toContain('.ts"');
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
