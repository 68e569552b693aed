// Local time on the simulated network: Vietnam time (UTC+7, no DST), its days and its busy hour.

export const hourMs = 3_600_000;
export const dayMs = 24 * hourMs;
/** Vietnam is UTC+7 all year. */
export const localOffsetMs = 7 * hourMs;

/** Mon–Fri of the local day number `day` (days since 1970-01-01, a Thursday). */
export function isWeekday(day: number): boolean {
  const dow = (((day + 4) % 7) + 7) % 7; // 0 = Sunday
  return dow >= 1 && dow <= 5;
}

/** The busy hour used for calibration and reports: 10:00–11:00 local time. */
export const busyHourStart = 10;

/** Splits a local-time instant into whole days since the epoch and ms within the day. */
export function splitDay(localMs: number): { day: number; withinMs: number } {
  const day = Math.floor(localMs / dayMs);
  return { day, withinMs: localMs - day * dayMs };
}
