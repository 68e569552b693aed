// The daily shape of traffic on a government WAN: quiet at night, busy in office hours
// (morning and afternoon peaks, a lunch dip), in Vietnam local time (UTC+7, no DST).
// Piecewise linear between hourly knots, periodic over the day, so its integral is exact.

export const hourMs = 3_600_000;
export const dayMs = 24 * hourMs;
/** Vietnam is UTC+7 all year. */
export const localOffsetMs = 7 * hourMs;

/** Relative load at the start of each local hour; 1 = the busy-hour peak. */
export const hourlyProfile: readonly number[] = [
  0.22, 0.2, 0.18, 0.18, 0.18, 0.2, 0.26, 0.42, 0.72, 0.92, 1.0, 0.96, //  0:00–11:00
  0.72, 0.8, 0.97, 1.0, 0.93, 0.7, 0.5, 0.42, 0.38, 0.34, 0.3, 0.26, // 12:00–23:00
];

/** The busy hour used for calibration and reports: 10:00–11:00 local time. */
export const busyHourStart = 10;

/** prefix[h] = ∫ profile from 0:00 to h:00, in profile·ms; prefix[24] is a whole day. */
function prefixIntegrals(): number[] {
  const prefix = [0];
  for (let h = 0; h < 24; h++) {
    const a = hourlyProfile[h]!;
    const b = hourlyProfile[(h + 1) % 24]!;
    prefix.push(prefix[h]! + ((a + b) / 2) * hourMs);
  }
  return prefix;
}
const prefix: readonly number[] = Object.freeze(prefixIntegrals());

/** ∫ of the profile over one whole day, in profile·ms. */
export const profileDayIntegral: number = prefix[24]!;

/** Splits a local-time instant into whole days since the epoch and ms within the day. */
export function splitDay(localMs: number): { day: number; withinMs: number } {
  const day = Math.floor(localMs / dayMs);
  return { day, withinMs: localMs - day * dayMs };
}

/** The profile value at `withinMs` ms after local midnight. */
export function profileAt(withinMs: number): number {
  const h = Math.min(23, Math.floor(withinMs / hourMs));
  const f = (withinMs - h * hourMs) / hourMs;
  const a = hourlyProfile[h]!;
  const b = hourlyProfile[(h + 1) % 24]!;
  return a + (b - a) * f;
}

/** ∫ of the profile from local midnight to `withinMs`, in profile·ms. */
export function profileIntegralWithinDay(withinMs: number): number {
  const h = Math.min(23, Math.floor(withinMs / hourMs));
  const f = (withinMs - h * hourMs) / hourMs;
  const a = hourlyProfile[h]!;
  const b = hourlyProfile[(h + 1) % 24]!;
  return prefix[h]! + hourMs * (a * f + ((b - a) * f * f) / 2);
}
