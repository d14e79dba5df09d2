/**
 * custos verify — independent verification: needs only the file, the bundle
 * and a JSON-RPC endpoint of the chain. It never talks to a Custos server.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAddress } from 'ethers';
import { configuredContract, defaultRpcUrl } from '../chain-target';
import { createEthersChainAnchor } from '../../adapters/chain/ethers-chain-anchor';
import { redactRpcUrl } from '../../adapters/chain/rpc-url';
import { sha256OfFile } from '../../file-sha256';
import { verifyBundleOnChain } from '../../services/verification';
import type { ChainAnchor } from '../../ports';
import type { VerificationResult } from '../../core/verify';
import { parseCommandArgs } from '../args';
import { EXIT, UsageError } from '../cli-error';

export const VERIFY_HELP = `Usage: custos verify [<file>] --bundle <proof.json> [--rpc <url>] [--contract <address>] [--json]

Checks, without the Custos server, that a proof bundle is genuine: its event
hashes to the logged leaf, the inclusion proof leads to the root, and that root
is anchored on the chain at that tree size (read from the chain, plus the
contract's own verifyInclusion). With a file, also checks the file's SHA-256.
Prints each check with ✓/✗; exits 0 only if all pass, 1 if any fails.

Options:
  --bundle FILE  the proof bundle (custos.proof/v1 JSON)
  --rpc URL      a JSON-RPC endpoint of the chain (default: CUSTOS_CHAIN_RPC_URL,
                 else the embedded chain of <CUSTOS_DATA_DIR or ./data>)
  --contract ADDRESS
                 the Custos contract you trust (default, without --rpc:
                 CUSTOS_CHAIN_CONTRACT, else the embedded chain's deployment).
                 Without one, the bundle's own contract is read and the
                 result says so: anyone can deploy a look-alike contract.
  --json         print the result as JSON`;

export async function verifyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    { bundle: { type: 'string' }, rpc: { type: 'string' }, contract: { type: 'string' }, json: { type: 'boolean' } },
    true,
  );
  if (values.help) {
    console.log(VERIFY_HELP);
    return 0;
  }
  if (!values.bundle) throw new UsageError('--bundle <proof.json> is required (see custos verify --help)');
  if (positionals.length > 1) throw new UsageError('give at most one file to verify');
  const bundle = readJsonFile(values.bundle);
  const file = positionals[0];
  if (values.contract !== undefined && !isAddress(values.contract)) throw new UsageError(`--contract: "${values.contract}" is not an address`);
  if (file !== undefined && !existsSync(file)) throw new UsageError(`cannot read ${file}: no such file`);
  const contentSha256 = file === undefined ? undefined : await sha256OfFile(file);
  const rpcUrl = values.rpc ?? defaultRpcUrl();
  // The contract to trust must come from the verifier, never from the bundle being checked.
  const trusted = values.contract ?? (values.rpc === undefined ? configuredContract() : undefined);

  const opened: ChainAnchor[] = [];
  let result: VerificationResult;
  try {
    result = await verifyBundleOnChain(
      bundle,
      (parsed) => {
        const chain = createEthersChainAnchor({ rpcUrl, contract: trusted ?? parsed.anchor.contract, timeoutMs: 10_000 });
        opened.push(chain);
        return chain;
      },
      contentSha256,
    );
  } finally {
    await Promise.all(opened.map((chain) => chain.close()));
  }

  const contractTrusted = trusted !== undefined;
  if (values.json) {
    console.log(JSON.stringify({ ...result, rpcUrl: redactRpcUrl(rpcUrl), contractTrusted }, null, 2));
  } else {
    const width = Math.max(...result.checks.map((c) => c.check.length));
    for (const check of result.checks) {
      const extra = check.ok ? '' : ` [${check.code}]${check.expected !== undefined ? ` expected ${check.expected}` : ''}${check.found !== undefined ? `, found ${check.found}` : ''}`;
      console.log(`${check.ok ? '✓' : '✗'} ${check.check.padEnd(width)}  ${check.message}${extra}`);
    }
    const failed = result.checks.filter((c) => !c.ok).length;
    console.log(result.ok ? `VERIFIED: all ${result.checks.length} checks passed (chain: ${redactRpcUrl(rpcUrl)})` : `NOT VERIFIED: ${failed} of ${result.checks.length} checks failed`);
    if (result.ok && !contractTrusted) {
      console.log('note: the contract was named by the bundle itself; compare it with the address Custos publishes, or pass --contract');
    }
  }
  return result.ok ? EXIT.ok : EXIT.verificationFailed;
}

function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${path} is not JSON: expected a custos.proof/v1 bundle`);
  }
}
