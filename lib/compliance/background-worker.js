'use strict';
/**
 * One validator in a worker thread, for lib/compliance/background.ts. Plain JavaScript, so that the
 * thread starts on plain Node whatever runs the app (tsx, jest, ts-node).
 *
 * Validation plugins are synchronous: the main thread blocks on `signal` (Atomics.wait) and takes
 * each answer off `port` with receiveMessageOnPort, so every answer is posted first and signalled
 * after. Every failure is answered too, as `{ error }`: the main thread then validates inline.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { workerData } = require('worker_threads');

const { task, options, port, signal } = workerData;

const TASKS = {
  /** aws-cdk-lib's own plugin, on templates sent later; `prewarm` starts its engine at once. */
  'cloudformation-validate'({ props, prewarm }) {
    const { CloudFormationValidatePlugin } = require('aws-cdk-lib');
    const plugin = new CloudFormationValidatePlugin(props);
    if (prewarm) {
      // The first engine of a WebAssembly instance takes seconds to build, and its first validation
      // another second (one-time set-up inside the module, whatever the template): a template with
      // no resources pays both, and the engine the real templates need is then built in a fraction.
      const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-validate-prewarm-'));
      try {
        const templatePath = path.join(directory, 'empty.template.json');
        fs.writeFileSync(templatePath, '{"Resources":{}}');
        const stack = { stackConstructPath: 'Prewarm', templatePath, accountId: undefined, region: undefined };
        plugin.validate({ templatePaths: [templatePath], stackTemplates: [stack], appConstruct: undefined });
      } finally {
        fs.rmSync(directory, { recursive: true, force: true });
      }
    }
    return (job) => plugin.validate({ ...job, appConstruct: undefined }).violations;
  },
  /**
   * The cfn-guard binary of @cdklabs/cdk-validator-cfnguard, on runs (rule files and the part of a
   * template they read). Every thread gets every run and the same shared counter: each takes the
   * next run nobody took, until none is left, and answers the runs it took, by index.
   */
  'control-tower'({ validatorModule, maxBuffer }) {
    const { CfnGuardValidator } = require(validatorModule);
    return ({ runs, next }) => {
      const done = [];
      for (let index = Atomics.add(next, 0, 1); index < runs.length; index = Atomics.add(next, 0, 1)) {
        const { rules, dataPath } = runs[index];
        const guard = new CfnGuardValidator({ controlTowerRulesEnabled: false, rules, maxBuffer });
        done.push({ index, violations: guard.validate({ templatePaths: [dataPath] }).violations });
      }
      return done;
    };
  },
};

function answer(message) {
  port.postMessage(message);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

let handle;
let failure;
try {
  handle = TASKS[task](options);
} catch (error) {
  failure = error;
}

port.on('message', (job) => {
  try {
    if (failure) throw failure;
    answer({ result: handle(job) });
  } catch (error) {
    answer({ error: String((error && error.stack) || error) });
  }
});
