import { describeConfigChanges } from '../support/config-changes-suite';

describeConfigChanges('dev');
