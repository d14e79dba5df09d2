/** custos review decide — take one review stage's decision, signed with the account's own key. */
import { readFileSync } from 'node:fs';
import { signReview } from '../../core/review-signature';
import { parseCommandArgs } from '../args';
import { EXIT, UsageError } from '../cli-error';
import { serverJson } from '../server-client';

export const REVIEW_HELP = `Usage: custos review decide <case code> --stage STAGE --decision approve|reject [--reason TEXT] --key FILE --server URL --token-file FILE

Reads the case's review state, signs the decision (case, round, stage,
decision, reason, the evidence set it covers) with the account's Ed25519 key
(made by custos-recorder keygen; its public half registered with
custos token create --public-key), and files it. The signature is logged with
the decision, so anyone can check later who decided what, on which evidence.`;

export async function reviewCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    { stage: { type: 'string' }, decision: { type: 'string' }, reason: { type: 'string' }, key: { type: 'string' }, server: { type: 'string' }, 'token-file': { type: 'string' } },
    true,
  );
  if (values.help || positionals.length === 0) {
    console.log(REVIEW_HELP);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  const [action, code] = positionals;
  if (action !== 'decide' || !code) throw new UsageError('usage: custos review decide <case code> … (see custos review --help)');
  for (const flag of ['stage', 'decision', 'key', 'token-file'] as const) if (!values[flag]) throw new UsageError(`--${flag} is required`);
  if (values.decision !== 'approve' && values.decision !== 'reject') throw new UsageError('--decision is approve or reject');
  const server = (values.server ?? process.env.CUSTOS_SERVER ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const token = readFileSync(values['token-file']!, 'utf8').trim();
  const key = readFileSync(values.key!, 'utf8');
  const view = await serverJson<{ review: { round: number; evidenceIds: string[] } }>(`${server}/v1/cases/${code}`, { token });
  const reason = values.reason?.trim() || undefined;
  const statement = { caseCode: code, round: view.review.round, stage: values.stage!, decision: values.decision as 'approve' | 'reject', ...(reason ? { reason } : {}), evidenceIds: view.review.evidenceIds };
  const signature = signReview(key, statement);
  const body = await serverJson<{ leafIndex: number; case: { review: { state: string } } }>(`${server}/v1/cases/${code}/reviews`, {
    token,
    body: { stage: values.stage, decision: values.decision, ...(reason ? { reason } : {}), signature },
  });
  console.log(JSON.stringify({ caseCode: code, stage: values.stage, decision: values.decision, leafIndex: body.leafIndex, review: body.case.review.state }));
  return EXIT.ok;
}
