import { expect } from 'chai';
import { cronProblem, nextRun, parseCron } from '../../server/core/cron';

const at = (s: string) => new Date(s); // local time, as the schedule is

describe('cron expressions for audit schedules', () => {
  it('finds the next run of nightly, hourly, stepped and listed schedules', () => {
    expect(nextRun(parseCron('0 2 * * *'), at('2026-11-23T15:04:00'))!.getTime()).to.equal(at('2026-11-24T02:00:00').getTime());
    expect(nextRun(parseCron('0 * * * *'), at('2026-11-23T15:04:00'))!.getTime()).to.equal(at('2026-11-23T16:00:00').getTime());
    expect(nextRun(parseCron('*/15 9-17 * * 1-5'), at('2026-11-21T12:00:00'))!.getTime(), 'Saturday → Monday 09:00').to.equal(at('2026-11-23T09:00:00').getTime());
    expect(nextRun(parseCron('30 3 1,15 * *'), at('2026-11-02T00:00:00'))!.getTime()).to.equal(at('2026-11-15T03:30:00').getTime());
    expect(nextRun(parseCron('0 0 * * 7'), at('2026-11-23T00:00:00'))!.getDay(), '7 is Sunday').to.equal(0);
  });

  it('runs strictly after the given time', () => {
    expect(nextRun(parseCron('0 2 * * *'), at('2026-11-24T02:00:00'))!.getTime()).to.equal(at('2026-11-25T02:00:00').getTime());
  });

  it('matches either restricted day field, as classic cron does', () => {
    // The 1st of the month, or any Monday.
    expect(nextRun(parseCron('0 0 1 * 1'), at('2026-11-24T00:00:00'))!.getTime()).to.equal(at('2026-11-30T00:00:00').getTime());
  });

  it('explains what is wrong with an invalid expression', () => {
    expect(cronProblem('0 2 * *')).to.contain('5 fields');
    expect(cronProblem('61 * * * *')).to.contain('minute');
    expect(cronProblem('0 2 * * mon')).to.contain('day of week');
    expect(cronProblem('0 2 * * *')).to.equal(null);
  });
});
