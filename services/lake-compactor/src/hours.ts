const HOUR = /^\d{4}-\d{2}-\d{2}T\d{2}$/;

/**
 * The hours named on the command line: single hours (2026-11-24T05) and
 * ranges for a backfill (2026-11-20T00..2026-11-22T00, the end excluded).
 * Throws on anything else, naming it.
 */
export function expandHours(args: string[]): string[] {
  const valid = (h: string) => HOUR.test(h) && !Number.isNaN(Date.parse(`${h}:00:00Z`)) && new Date(`${h}:00:00Z`).toISOString().slice(0, 13) === h;
  return args.flatMap((arg) => {
    const [from, to, ...rest] = arg.split('..');
    if (to === undefined) {
      if (!valid(arg)) throw new Error(`${arg}: hours look like 2026-11-24T05`);
      return [arg];
    }
    if (rest.length || !valid(from!) || !valid(to) || from! >= to) throw new Error(`${arg}: a range looks like 2026-11-20T00..2026-11-22T00 (end excluded, after the start)`);
    const hours: string[] = [];
    for (let t = Date.parse(`${from}:00:00Z`); t < Date.parse(`${to}:00:00Z`); t += 3_600_000) hours.push(new Date(t).toISOString().slice(0, 13));
    return hours;
  });
}
