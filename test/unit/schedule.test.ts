import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { csv } from '../../src/pipeline/csv-extractor.js';
import { definePipeline } from '../../src/pipeline/define.js';
import { missedTicks, nextTick, normaliseSchedule, tickAtOrBefore } from '../../src/pipeline/schedule.js';

const base = {
  name: 'nightly', description: 'd', sources: [csv('a.csv')],
  schema: z.object({ id: z.string() }), key: (r: { id: string }) => r.id,
};

describe('a pipeline schedule', () => {
  it('is validated when the pipeline loads, naming the pipeline', () => {
    expect(() => definePipeline({ ...base, schedule: 'every night' }))
      .toThrow(/pipeline nightly is not valid: schedule "every night" is not valid: .*five, six, or seven/);
    expect(() => definePipeline({ ...base, schedule: '61 3 * * *' })).toThrow(/pipeline nightly .*Invalid value for minute: 61/);
    expect(() => definePipeline({ ...base, schedule: { cron: '0 3 * * *', timezone: 'Mars/Olympus' } }))
      .toThrow(/schedule "0 3 \* \* \*" \(timezone Mars\/Olympus\) is not valid/);
    expect(() => definePipeline({ ...base, schedule: { cron: '0 3 * * *', catchUp: 'all' as never } }))
      .toThrow(/schedule.catchUp must be "skip" or "once", not "all"/);
    expect(() => definePipeline({ ...base, schedule: 42 as never })).toThrow(/schedule must be a cron expression/);
  });

  it('accepts 5-field, seconds and nickname expressions with a timezone and a policy', () => {
    expect(definePipeline({ ...base, schedule: { cron: ' 0 3 * * * ', timezone: 'Europe/Berlin', catchUp: 'once' } }).schedule)
      .toEqual({ cron: '0 3 * * *', timezone: 'Europe/Berlin', catchUp: 'once' });
    expect(definePipeline({ ...base, schedule: '*/5 * * * * *' }).schedule).toEqual({ cron: '*/5 * * * * *', catchUp: 'skip' });
    expect(definePipeline({ ...base, schedule: '@daily' }).schedule?.cron).toBe('@daily');
  });
});

describe('tick arithmetic', () => {
  const nightly = normaliseSchedule({ cron: '0 3 * * *', timezone: 'Europe/Berlin' });

  it('maps a trigger time to its scheduled tick, in the schedule\'s timezone', () => {
    expect(tickAtOrBefore(nightly, new Date('2026-01-10T02:00:00.350Z'))).toEqual(new Date('2026-01-10T02:00:00.000Z'));
    expect(tickAtOrBefore(nightly, new Date('2026-01-10T01:59:59.999Z'))).toEqual(new Date('2026-01-09T02:00:00.000Z'));
    // Summer time: 03:00 in Berlin is 01:00 UTC.
    expect(nextTick(nightly, new Date('2026-07-01T12:00:00Z'))).toEqual(new Date('2026-07-02T01:00:00.000Z'));
  });

  it('counts the ticks missed since the last handled one', () => {
    const last = new Date('2026-01-10T02:00:00.000Z');
    expect(missedTicks(nightly, last, new Date('2026-01-13T09:00:00Z')))
      .toEqual({ missed: 3, latest: new Date('2026-01-13T02:00:00.000Z') });
    expect(missedTicks(nightly, last, new Date('2026-01-11T01:59:00Z'))).toEqual({ missed: 0, latest: null });
    // A scheduler that never ran before missed nothing.
    expect(missedTicks(nightly, null, new Date('2026-01-13T09:00:00Z'))).toEqual({ missed: 0, latest: null });
    const everySecond = normaliseSchedule('* * * * * *');
    expect(missedTicks(everySecond, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-02T00:00:00Z')).missed).toBe(1000);
  });
});
