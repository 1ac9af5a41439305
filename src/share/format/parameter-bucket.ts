const MILLION = 1e6
const BILLION = 1e9
const WHOLE_BILLIONS_FROM = 10 * BILLION
const SMALLEST_BILLIONS = 0.5
/** How close to a whole number of billions a count must be to be named by it. */
const WHOLE_TOLERANCE = 0.08

/**
 * A size tag for a parameter count, rounded the way Hugging Face model names read:
 *
 * - from 10 billion: whole billions, rounded down (70.6e9 → '70b', 405.9e9 → '405b');
 * - from 0.5 billion (after rounding to a tenth): billions to one decimal, or the nearest whole
 *   number of billions when the count is within 8% of it (7.24e9 → '7b', 6.74e9 → '7b',
 *   8.03e9 → '8b', 1.54e9 → '1.5b', 2.61e9 → '2.6b', 0.494e9 → '0.5b');
 * - below that: whole millions (134.5e6 → '135m');
 * - below one million, or not a finite number: no tag.
 */
export function parameterBucket (count: number): string | undefined {
  if (!Number.isFinite(count) || count < MILLION) return undefined
  const billions = count / BILLION
  if (count >= WHOLE_BILLIONS_FROM) return `${Math.floor(billions)}b`
  const tenths = Math.round(billions * 10) / 10
  if (tenths < SMALLEST_BILLIONS) return `${Math.round(count / MILLION)}m`
  const whole = Math.round(billions)
  if (whole >= 1 && Math.abs(billions - whole) <= whole * WHOLE_TOLERANCE) return `${whole}b`
  return `${tenths}b`
}
