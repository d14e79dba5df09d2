/**
 * custos audit verify-log — the outside auditor's check of the whole log:
 * mirror it from the server's public endpoints, rebuild it, and compare it
 * with every head anchored on the chain. Trusts the chain node and the
 * contract address given, nothing the Custos server says about itself.
 */
import { isAddress } from 'ethers';
import { redactRpcUrl } from '../../adapters/chain/rpc-url';
import { auditLog, createChainHistorySource, createHttpLogSource, type AuditProgress, type LogAuditResult } from '../../services/log-mirror';
import { parseCommandArgs } from '../args';
import { EXIT, UsageError } from '../cli-error';

export const AUDIT_VERIFY_LOG_HELP = `Usage: custos audit verify-log --server <url> --rpc <url> --contract <address> [--from-block N] [--json]

Checks, as an outside auditor, that the log a Custos server serves is the
history anchored on the chain. Mirrors every entry (GET /v1/log/entries, page
by page), recomputes each leaf hash from its event, rebuilds the RFC 9162
Merkle tree, reads every TreeHeadAnchored event and latestHead() from the
contract, and checks:
  leaf-hash    each served leaf hash is the hash of its served event
  chain-root   at each anchored size the rebuilt log has the anchored root
  consistency  each anchored head extends the previous one (a consistency
               proof from the rebuilt log, verified against both chain roots)
  log-length   the log is at least as long as the latest anchored head
Prints a ✓/✗ line per check and one line per finding. Exits 0 if all pass,
1 on any finding, 3 if the server or the chain cannot be read.

Options:
  --server URL      the Custos server whose log is audited
  --rpc URL         a JSON-RPC endpoint of the chain you trust
  --contract ADDRESS
                    the CustosLog contract you trust (as Custos publishes it)
  --from-block N    first block to scan for anchors (the deployment's; default 0)
  --json            print the result as JSON`;

/** `custos audit <subcommand>`; only verify-log so far. */
/** `custos audit verify-log …`: `args` are the options after "verify-log". */
export async function auditVerifyLogCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    server: { type: 'string' },
    rpc: { type: 'string' },
    contract: { type: 'string' },
    'from-block': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    console.log(AUDIT_VERIFY_LOG_HELP);
    return EXIT.ok;
  }
  const server = requireHttpUrl(values.server, '--server');
  const rpcUrl = requireHttpUrl(values.rpc, '--rpc');
  if (values.contract === undefined) throw new UsageError('--contract <address> is required: the auditor names the contract it trusts');
  if (!isAddress(values.contract)) throw new UsageError(`--contract: "${values.contract}" is not an address`);
  const fromBlock = parseBlockNumber(values['from-block']);

  const result = await auditLog({
    log: createHttpLogSource(server),
    chain: createChainHistorySource({ rpcUrl, contract: values.contract, fromBlock }),
    onProgress: progressOnTty(),
  });

  if (values.json) {
    console.log(JSON.stringify({ ...result, server, rpcUrl: redactRpcUrl(rpcUrl) }, null, 2));
  } else {
    printResult(result, rpcUrl);
  }
  return result.ok ? EXIT.ok : EXIT.verificationFailed;
}

/** Human output is bounded; --json carries every finding. */
const MAX_PRINTED_FINDINGS = 100;

function printResult(result: LogAuditResult, rpcUrl: string): void {
  const width = Math.max(...result.checks.map((c) => c.check.length));
  for (const check of result.checks) console.log(`${check.ok ? '✓' : '✗'} ${check.check.padEnd(width)}  ${check.message}`);
  for (const f of result.findings.slice(0, MAX_PRINTED_FINDINGS)) {
    console.log(`✗ ${f.item}: ${f.check}: ${f.message} [expected ${f.expected}, found ${f.found}]`);
  }
  if (result.findings.length > MAX_PRINTED_FINDINGS) console.log(`  … and ${result.findings.length - MAX_PRINTED_FINDINGS} more findings (see --json)`);
  const { chainId, contract } = result.chain;
  const heads = result.anchoredHeads.length;
  console.log(
    result.ok
      ? `VERIFIED: the log's ${result.leaves} leaves are the history anchored in ${heads} head${heads === 1 ? '' : 's'} (chain ${chainId}, contract ${contract}, rpc ${redactRpcUrl(rpcUrl)})`
      : `NOT VERIFIED: ${result.findings.length} finding${result.findings.length === 1 ? '' : 's'} in ${result.leaves} leaves and ${heads} anchored heads (chain ${chainId}, contract ${contract})`,
  );
}

/** Progress on stderr, only for a person watching a terminal. */
function progressOnTty(): ((progress: AuditProgress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let shownAt = 0;
  return ({ phase, done, total }) => {
    const finished = done >= total;
    if (!finished && Date.now() - shownAt < 200) return;
    shownAt = Date.now();
    const text = phase === 'chain' ? `scanned ${done}/${total} blocks for anchored heads` : `mirrored ${done}/${total} entries`;
    process.stderr.write(`\r${text}\x1b[K${finished ? '\n' : ''}`);
  };
}

function requireHttpUrl(value: string | undefined, flag: string): string {
  if (value === undefined) throw new UsageError(`${flag} <url> is required (see custos audit verify-log --help)`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag}: not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${flag} must be an http(s) URL, got ${url.protocol}`);
  return value;
}

function parseBlockNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw new UsageError('--from-block must be a block number');
  return Number(value);
}
