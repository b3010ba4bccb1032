/**
 * Values the CDK app and the Lambda functions must agree on. No import here: the functions' bundles
 * take this file as it is, without the CDK.
 */

/**
 * The PostgreSQL advisory lock under which an app login's password changes, in the database and in
 * its secret together: held by the rotation (lambda/credential-rotation) and by the deploy-time run
 * (lambda/partition-maintenance), so neither sets a password the other has just replaced.
 */
export const LOGIN_PASSWORDS_LOCK_KEY = 7_210_351_000_002;

/** Characters generated passwords leave out: those that need escaping in URLs, shells or SQL literals. */
export const PASSWORD_EXCLUDED_CHARACTERS = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\=,^';
