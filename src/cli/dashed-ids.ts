// A content ID is 43 characters of base64url, and about 1 in 64 starts with '-' (1 in 4096
// with '--'): commander would take `arkive get -c4_j01h…` for a cluster of short options.
// Such words are masked before parsing and unmasked in every value commander hands back, so
// they work as refs (and as option values: --registry, --trust) wherever they are accepted.

const DASHED_ID = /^-[A-Za-z0-9_-]{42}$/;
// NUL cannot occur in a real argv, so no word a user types collides with a masked one.
const MASK = '\u0000id:';

export function maskDashedIds(argv: string[]): string[] {
  return argv.map((word) => (DASHED_ID.test(word) ? MASK + word : word));
}

/** Unmasks a value commander parsed: a string, a list of them, or an options object. */
export function unmaskDashedIds<T>(value: T): T {
  if (typeof value === 'string') return (value.startsWith(MASK) ? value.slice(MASK.length) : value) as T;
  if (Array.isArray(value)) return value.map((v) => unmaskDashedIds(v)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unmaskDashedIds(v)])) as T;
  }
  return value;
}
