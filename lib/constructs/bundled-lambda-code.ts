import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { buildSync } from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';
import { bundleTarget } from './lambda-node-runtime';

const PROJECT_ROOT = path.join(__dirname, '..', '..');

export interface BundledLambdaCodeProps {
  /** The folder under lambda/ whose index.ts is the entry point, e.g. `partition-maintenance`. */
  readonly folder: string;
  /** The runtime the function runs on: the bundle is built for its Node.js version. */
  readonly runtime: lambda.Runtime;
  /**
   * Folders copied into the bundle next to index.js, by the name they get there, e.g.
   * `{ sql: '<project>/sql' }`.
   * @default - none
   */
  readonly extraDirectories?: Readonly<Record<string, string>>;
}

/**
 * The runtime ships the AWS SDK v3; pg-native is an optional addon pg never needs here.
 */
const EXTERNAL_MODULES = ['@aws-sdk/*', 'pg-native'];

/**
 * The code of a Node.js function: lambda/<folder>/index.ts bundled by esbuild into one minified
 * index.js, at synth, on this machine (never Docker).
 *
 * What NodejsFunction would build, with esbuild's JavaScript API in this process instead of
 * `npx --no-install esbuild` per function: npx alone takes about 0.4 s per function on every
 * synth, a third of a warm synth's own work. The asset is hashed by its output, as
 * NodejsFunction's is, so an unchanged bundle keeps its hash and its function is not updated.
 */
export function bundledLambdaCode(props: BundledLambdaCodeProps): lambda.Code {
  const source = path.join(PROJECT_ROOT, 'lambda', props.folder);
  const entry = path.join(source, 'index.ts');
  const target = bundleTarget(props.runtime);
  if (!fs.existsSync(entry)) throw new Error(`bundledLambdaCode: ${entry} does not exist`);
  for (const [name, directory] of Object.entries(props.extraDirectories ?? {})) {
    if (!/^[A-Za-z0-9._-]+$/.test(name) || name === 'index.js') {
      throw new Error(`bundledLambdaCode: '${name}' is not a folder name for the bundle of ${props.folder}`);
    }
    if (!fs.statSync(directory, { throwIfNoEntry: false })?.isDirectory()) {
      throw new Error(`bundledLambdaCode: ${directory} (for '${name}' in the bundle of ${props.folder}) is not a folder`);
    }
  }
  return lambda.Code.fromAsset(source, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Only used if local bundling declined, which it never does: it bundles or throws.
      image: DockerImage.fromRegistry('local-bundling-only'),
      local: {
        tryBundle(outputDir: string): boolean {
          const result = buildSync({
            entryPoints: [entry],
            bundle: true,
            platform: 'node',
            format: 'cjs',
            target,
            minify: true,
            external: EXTERNAL_MODULES,
            outfile: path.join(outputDir, 'index.js'),
            absWorkingDir: PROJECT_ROOT,
            logLevel: 'warning',
          });
          if (result.errors.length > 0) throw new Error(`esbuild failed on ${entry}`);
          for (const [name, directory] of Object.entries(props.extraDirectories ?? {})) {
            fs.cpSync(directory, path.join(outputDir, name), { recursive: true });
          }
          return true;
        },
      },
    },
  });
}
