/**
 * Shared defaults and per-environment overrides: objects merge key by key, anything else (a list
 * included) replaces whole, so an environment that names a list states all of it.
 */

/** Any part of T may be left out; lists are whole values, never partial. */
export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

type PlainObject = Record<string, unknown>;

/** The type deepMerge returns, so the compiler checks that defaults and overrides together are complete. */
export type Merged<A, B> = [A, B] extends [PlainObject, PlainObject]
  ? A extends readonly unknown[]
    ? B
    : B extends readonly unknown[]
      ? B
      : { [K in keyof A | keyof B]: K extends keyof B ? (K extends keyof A ? Merged<A[K], B[K]> : B[K]) : K extends keyof A ? A[K] : never }
  : B;

/** base with override on top; neither is changed. */
export function deepMerge<A extends object, B extends object>(base: A, override: B): Merged<A, B> {
  const result = { ...base } as PlainObject;
  for (const [key, value] of Object.entries(override)) {
    const current = result[key];
    result[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return result as Merged<A, B>;
}

function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
