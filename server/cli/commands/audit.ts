/** custos audit — run | verify-log. */
import { EXIT, UsageError } from '../cli-error';
import { AUDIT_RUN_HELP, auditRunCommand } from './audit-run';
import { AUDIT_VERIFY_LOG_HELP, auditVerifyLogCommand } from './audit-verify-log';

export async function auditCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'verify-log') return auditVerifyLogCommand(rest);
  if (sub === 'run') return auditRunCommand(rest);
  if (sub === undefined || sub === '--help' || sub === '-h') {
    console.log(`${AUDIT_RUN_HELP}\n\n${AUDIT_VERIFY_LOG_HELP}`);
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  throw new UsageError(`unknown audit command "${sub}" (custos audit run | verify-log; see custos audit --help)`);
}
