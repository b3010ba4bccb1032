/**
 * Values the CDK app and the Lambda functions must agree on. No import here: the functions' bundles
 * take this file as it is, without the CDK.
 */

/** Characters generated passwords leave out: those that need escaping in URLs, shells or SQL literals. */
export const PASSWORD_EXCLUDED_CHARACTERS = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\=,^';
