/**
 * How many servers a group runs over a week, given its schedules: each schedule's cron (five
 * numeric fields, as the rule table accepts them) is matched minute by minute through one week;
 * the last action before a minute decides its capacity. Time zones and daylight saving do not
 * change the share of a week, so the week is walked in each schedule's own local time.
 */
export interface ScheduledCapacity {
  readonly recurrence: string;
  readonly desiredCapacity: number;
}

const MINUTES_PER_WEEK = 7 * 24 * 60;
const RANGES: ReadonlyArray<[number, number]> = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];

function fieldValues(field: string, [low, high]: [number, number]): Set<number> {
  const values = new Set<number>();
  for (const part of field.split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    const [from, to] = range === "*" ? [low, high] : range.includes("-") ? range.split("-").map(Number) : [Number(range), stepText === undefined ? Number(range) : high];
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/** A matcher for one cron expression at (minute, hour, day of month, month, day of week). */
export function cronMatcher(recurrence: string): (at: Date) => boolean {
  const fields = recurrence.trim().split(/\s+/).map((f, i) => fieldValues(f, RANGES[i]));
  const [minutes, hours, days, months, weekdays] = fields;
  const dayRestricted = !recurrence.trim().split(/\s+/)[2].startsWith("*");
  const weekdayRestricted = !recurrence.trim().split(/\s+/)[4].startsWith("*");
  return (at) => {
    if (!minutes.has(at.getUTCMinutes()) || !hours.has(at.getUTCHours()) || !months.has(at.getUTCMonth() + 1)) return false;
    const day = days.has(at.getUTCDate());
    const weekday = weekdays.has(at.getUTCDay());
    // Cron: when both day fields are restricted, either matching is enough.
    return dayRestricted && weekdayRestricted ? day || weekday : day && weekday;
  };
}

/**
 * Average servers over a week for a group that starts at `initial` and follows `schedules`
 * (a week of a 31-day month in which day-of-month schedules fire as they would).
 */
export function averageCapacity(initial: number, schedules: readonly ScheduledCapacity[]): number {
  if (schedules.length === 0) return initial;
  const matchers = schedules.map((s) => ({ matches: cronMatcher(s.recurrence), capacity: s.desiredCapacity }));
  const start = Date.UTC(2026, 2, 2); // a Monday, 00:00
  let capacity = initial;
  let total = 0;
  // Twice through the week: the first pass finds the capacity a week ends with (and so starts with).
  for (let pass = 0; pass < 2; pass++) {
    total = 0;
    for (let minute = 0; minute < MINUTES_PER_WEEK; minute++) {
      const at = new Date(start + minute * 60_000);
      for (const m of matchers) if (m.matches(at)) capacity = m.capacity;
      total += capacity;
    }
  }
  return total / MINUTES_PER_WEEK;
}
