/** The benchmark's baseline: one empty stack on the same aws-cdk-lib, nothing else loaded. */
import { App, Stack } from 'aws-cdk-lib';

const app = new App();
new Stack(app, 'Empty');
app.synth();
