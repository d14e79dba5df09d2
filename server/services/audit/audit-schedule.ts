/**
 * Scheduled audits: the full audit and the sample audit each on their cron
 * expression (default nightly full, hourly 1% sample). A run is skipped while
 * another audit is still queued or running, so a slow audit never piles up.
 */
import { nextRun, parseCron, type CronSpec } from '../../core/cron';
import type { AuditConfig } from '../../config';
import type { AuditScope, AuditStore } from '../../adapters/db/audit-store';
import type { Logger } from '../../logger';
import type { Auditor } from './auditor';

const SCHEDULER = { tokenId: 'scheduler', name: 'audit schedule', role: 'auditor' };
/** setTimeout cannot wait longer than ~24.8 days; wake at least hourly and look again. */
const MAX_WAIT_MS = 3_600_000;

export function startAuditSchedule(config: AuditConfig, auditor: Auditor, audits: AuditStore, logger: Logger): () => void {
  const timers: NodeJS.Timeout[] = [];
  const plans: Array<{ name: string; spec: CronSpec; scope: AuditScope }> = [];
  if (config.fullSchedule !== 'off') plans.push({ name: 'full', spec: parseCron(config.fullSchedule), scope: { kind: 'full' } });
  if (config.sampleSchedule !== 'off') plans.push({ name: 'sample', spec: parseCron(config.sampleSchedule), scope: { kind: 'sample', percent: config.samplePercent } });

  for (const plan of plans) {
    let due = nextRun(plan.spec, new Date());
    const arm = () => {
      if (!due) return;
      const timer = setTimeout(() => {
        if (Date.now() >= due!.getTime()) {
          if (audits.unfinished().length > 0) logger.info('scheduled audit skipped: another audit is still running', { schedule: plan.name });
          else auditor.request(plan.scope, SCHEDULER);
          due = nextRun(plan.spec, new Date());
        }
        arm();
      }, Math.min(MAX_WAIT_MS, Math.max(0, due.getTime() - Date.now())));
      timer.unref();
      timers[plans.indexOf(plan)] = timer;
    };
    arm();
  }
  return () => timers.forEach((t) => clearTimeout(t));
}
