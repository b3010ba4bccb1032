/** A stand-in account id, so templates are identical on every machine whatever its credentials. */
export const TEST_ACCOUNT = '111111111111';

export { cdkJsonContext } from '../../scripts/lib/cdk-json';
