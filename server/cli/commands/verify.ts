/**
 * custos verify — independent verification: needs only the file, the bundle
 * and a JSON-RPC endpoint of the chain. It never talks to a Custos server.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../config';
import { createEthersChainAnchor } from '../../adapters/chain/ethers-chain-anchor';
import { redactRpcUrl } from '../../adapters/chain/rpc-url';
import { verifyBundleOnChain } from '../../services/verification';
import type { ChainAnchor } from '../../ports';
import type { VerificationResult } from '../../core/verify';
import { parseCommandArgs } from '../args';
import { EXIT, UsageError } from '../cli-error';

export const VERIFY_HELP = `Usage: custos verify [<file>] --bundle <proof.json> [--rpc <url>] [--json]

Checks, without the Custos server, that a proof bundle is genuine: its event
hashes to the logged leaf, the inclusion proof leads to the root, and that root
is anchored on the chain at that tree size (read from the chain, plus the
contract's own verifyInclusion). With a file, also checks the file's SHA-256.
Prints each check with ✓/✗; exits 0 only if all pass, 1 if any fails.

Options:
  --bundle FILE  the proof bundle (custos.proof/v1 JSON)
  --rpc URL      a JSON-RPC endpoint of the chain (default: CUSTOS_CHAIN_RPC_URL,
                 else the embedded chain of <CUSTOS_DATA_DIR or ./data>)
  --json         print the result as JSON`;

export async function verifyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { bundle: { type: 'string' }, rpc: { type: 'string' }, json: { type: 'boolean' } }, true);
  if (values.help) {
    console.log(VERIFY_HELP);
    return 0;
  }
  if (!values.bundle) throw new UsageError('--bundle <proof.json> is required (see custos verify --help)');
  if (positionals.length > 1) throw new UsageError('give at most one file to verify');
  const bundle = readJsonFile(values.bundle);
  const file = positionals[0];
  const contentSha256 = file === undefined ? undefined : await sha256File(file);
  const rpcUrl = values.rpc ?? defaultRpcUrl();

  const opened: ChainAnchor[] = [];
  let result: VerificationResult;
  try {
    result = await verifyBundleOnChain(
      bundle,
      (parsed) => {
        const chain = createEthersChainAnchor({ rpcUrl, contract: parsed.anchor.contract, timeoutMs: 10_000 });
        opened.push(chain);
        return chain;
      },
      contentSha256,
    );
  } finally {
    await Promise.all(opened.map((chain) => chain.close()));
  }

  if (values.json) {
    console.log(JSON.stringify({ ...result, rpcUrl: redactRpcUrl(rpcUrl) }, null, 2));
  } else {
    const width = Math.max(...result.checks.map((c) => c.check.length));
    for (const check of result.checks) {
      const extra = check.ok ? '' : ` [${check.code}]${check.expected !== undefined ? ` expected ${check.expected}` : ''}${check.found !== undefined ? `, found ${check.found}` : ''}`;
      console.log(`${check.ok ? '✓' : '✗'} ${check.check.padEnd(width)}  ${check.message}${extra}`);
    }
    const failed = result.checks.filter((c) => !c.ok).length;
    console.log(result.ok ? `VERIFIED: all ${result.checks.length} checks passed (chain: ${redactRpcUrl(rpcUrl)})` : `NOT VERIFIED: ${failed} of ${result.checks.length} checks failed`);
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

async function sha256File(path: string): Promise<string> {
  if (!existsSync(path)) throw new UsageError(`cannot read ${path}: no such file`);
  const hash = createHash('sha256');
  // 1 MiB reads: hashing is ~40% faster than with the 64 KiB default.
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The configured external chain, else the embedded chain recorded in the data directory. */
function defaultRpcUrl(): string {
  const config = loadConfig(process.env);
  if (config.chain.rpcUrl) return config.chain.rpcUrl;
  const pidFile = join(config.dataDir, 'chain', 'anvil.pid');
  if (existsSync(pidFile)) {
    const { port } = JSON.parse(readFileSync(pidFile, 'utf8')) as { port: number };
    return `http://127.0.0.1:${port}`;
  }
  return `http://127.0.0.1:${config.chain.embeddedPort}`;
}
