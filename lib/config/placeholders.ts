/**
 * Values that only stand in for real ones: the documentation domains and zone ids of the example
 * config. Synth accepts them (CI synthesizes every environment as committed); a deploy refuses
 * them, since AWS would wait forever to validate a certificate for a domain nobody owns.
 */

/** Domains reserved for documentation and testing (RFC 2606, RFC 6761). */
const RESERVED_DOMAIN = /(^|\.)(example\.(com|net|org)|example|test|invalid|localhost)$/i;
/** AWS's documentation account ids. */
const DOCUMENTATION_ACCOUNTS = new Set(['123456789012', '111122223333', '444455556666', '000000000000']);

/** Why a config value is a placeholder, or undefined for a real value. */
export function placeholderReason(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const domain = value.includes('@') ? value.split('@').pop()! : value;
  if (/^[a-z0-9.-]+\.[a-z0-9-]+$/i.test(domain) && RESERVED_DOMAIN.test(domain)) return 'a domain reserved for examples';
  if (/^Z[A-Z0-9]*EXAMPLE[A-Z0-9]*$/.test(value)) return 'an example hosted zone id';
  if (DOCUMENTATION_ACCOUNTS.has(value)) return 'an account id from the AWS documentation';
  return undefined;
}

/** Every placeholder in a config, as `<dotted field> = <value> (<why>)`. */
export function findPlaceholders(config: unknown, path: string[] = []): { field: string; value: string; reason: string }[] {
  if (Array.isArray(config)) {
    return config.flatMap((item, index) => findPlaceholders(item, [...path.slice(0, -1), `${path[path.length - 1]}[${index}]`]));
  }
  if (config !== null && typeof config === 'object') {
    return Object.entries(config).flatMap(([key, value]) => findPlaceholders(value, [...path, key]));
  }
  const reason = placeholderReason(config);
  return reason ? [{ field: path.join('.'), value: String(config), reason }] : [];
}
