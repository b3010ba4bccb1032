/**
 * Replaces asset hashes (64 hex digits: Lambda bundles, nested assets) with a placeholder, so that a
 * snapshot changes only when the infrastructure does, not when a dependency's bytes move.
 */
export function scrubAssetHashes(template: unknown): unknown {
  return JSON.parse(JSON.stringify(template).replace(/[0-9a-f]{64}/g, '[ASSET_HASH]'));
}
