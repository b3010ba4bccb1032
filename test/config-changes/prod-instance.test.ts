import { describeConfigChanges } from '../support/config-changes-suite';

describeConfigChanges('prod in instance mode');
