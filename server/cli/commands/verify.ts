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
import type { Check, VerificationResult } from '../../core/verify';
import type { ProofBundle } from '../../core/proof-bundle';
import { openZip } from '../../adapters/package/zip';
import { verifyPackage, type PackageVerification } from '../../services/package-verification';
import { parseCommandArgs } from '../args';
import { EXIT, UsageError } from '../cli-error';

export const VERIFY_HELP = `Usage: custos verify [<file>] --bundle <proof.json> [--rpc <url>] [--contract <address>] [--json]
       custos verify --package <case.zip> [--rpc <url>] [--contract <address>] [--json]

Checks, without the Custos server, that a proof bundle is genuine: its event
hashes to the logged leaf, the inclusion proof leads to the root, and that root
is anchored on the chain at that tree size (read from the chain, plus the
contract's own verifyInclusion). With a file, also checks the file's SHA-256.
Prints each check with ✓/✗; exits 0 only if all pass, 1 if any fails.

With --package, verifies a case-file package the same way: its manifest is the
one its case.packaged event names (and that event is anchored), and every
item's proof verifies, against the media files too when the package has them.

Options:
  --bundle FILE  the proof bundle (custos.proof/v1 JSON)
  --package ZIP  a case-file package (GET /v1/cases/<code>/package)
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
    { bundle: { type: 'string' }, package: { type: 'string' }, rpc: { type: 'string' }, contract: { type: 'string' }, json: { type: 'boolean' } },
    true,
  );
  if (values.help) {
    console.log(VERIFY_HELP);
    return 0;
  }
  if (values.package !== undefined) {
    if (values.bundle !== undefined || positionals.length > 0) throw new UsageError('--package takes no --bundle and no file: the package holds both');
    return verifyPackageCommand(values.package, values);
  }
  if (!values.bundle) throw new UsageError('--bundle <proof.json> (or --package <case.zip>) is required (see custos verify --help)');
  if (positionals.length > 1) throw new UsageError('give at most one file to verify');
  const bundle = readJsonFile(values.bundle);
  const file = positionals[0];
  if (values.contract !== undefined && !isAddress(values.contract)) throw new UsageError(`--contract: "${values.contract}" is not an address`);
  if (file !== undefined && !existsSync(file)) throw new UsageError(`cannot read ${file}: no such file`);
  const contentSha256 = file === undefined ? undefined : await sha256OfFile(file);
  const { rpcUrl, trusted, chainFor, close } = chainsFor(values);
  let result: VerificationResult;
  try {
    result = await verifyBundleOnChain(bundle, chainFor, contentSha256);
  } finally {
    await close();
  }

  const contractTrusted = trusted !== undefined;
  if (values.json) {
    console.log(JSON.stringify({ ...result, rpcUrl: redactRpcUrl(rpcUrl), contractTrusted }, null, 2));
  } else {
    printChecks(result.checks);
    const failed = result.checks.filter((c) => !c.ok).length;
    console.log(result.ok ? `VERIFIED: all ${result.checks.length} checks passed (chain: ${redactRpcUrl(rpcUrl)})` : `NOT VERIFIED: ${failed} of ${result.checks.length} checks failed`);
    if (result.ok && !contractTrusted) {
      console.log('note: the contract was named by the bundle itself; compare it with the address Custos publishes, or pass --contract');
    }
  }
  return result.ok ? EXIT.ok : EXIT.verificationFailed;
}

/** Chains to read, one connection per contract; the contract trusted comes from the verifier, never from what is verified. */
function chainsFor(values: { rpc?: string; contract?: string }) {
  const rpcUrl = values.rpc ?? defaultRpcUrl();
  const trusted = values.contract ?? (values.rpc === undefined ? configuredContract() : undefined);
  const opened = new Map<string, ChainAnchor>();
  const chainFor = (parsed: ProofBundle): ChainAnchor => {
    const contract = trusted ?? parsed.anchor.contract;
    let chain = opened.get(contract.toLowerCase());
    if (!chain) {
      chain = createEthersChainAnchor({ rpcUrl, contract, timeoutMs: 10_000 });
      opened.set(contract.toLowerCase(), chain);
    }
    return chain;
  };
  return { rpcUrl, trusted, chainFor, close: () => Promise.all([...opened.values()].map((c) => c.close())) };
}

function printChecks(checks: readonly Check[], indent = ''): void {
  const width = Math.max(...checks.map((c) => c.check.length));
  for (const check of checks) {
    const extra = check.ok ? '' : ` [${check.code}]${check.expected !== undefined ? ` expected ${check.expected}` : ''}${check.found !== undefined ? `, found ${check.found}` : ''}`;
    console.log(`${indent}${check.ok ? '✓' : '✗'} ${check.check.padEnd(width)}  ${check.message}${extra}`);
  }
}

async function verifyPackageCommand(path: string, values: { rpc?: string; contract?: string; json?: boolean }): Promise<number> {
  if (values.contract !== undefined && !isAddress(values.contract)) throw new UsageError(`--contract: "${values.contract}" is not an address`);
  if (!existsSync(path)) throw new UsageError(`cannot read ${path}: no such file`);
  const zip = await openZip(path);
  const { rpcUrl, trusted, chainFor, close } = chainsFor(values);
  let result: PackageVerification;
  try {
    result = await verifyPackage(zip, chainFor);
  } finally {
    zip.close();
    await close();
  }
  if (values.json) {
    console.log(JSON.stringify({ ...result, rpcUrl: redactRpcUrl(rpcUrl), contractTrusted: trusted !== undefined }, null, 2));
  } else {
    console.log(`${result.manifest.ok ? '✓' : '✗'} manifest of case ${result.caseCode ?? '(unknown)'}`);
    printChecks(result.manifest.checks, '    ');
    for (const item of result.items) {
      console.log(`${item.ok ? '✓' : '✗'} ${item.evidenceId}  sha256 ${item.sha256}`);
      printChecks(item.checks, '    ');
      for (const r of item.renditions) console.log(`    ${r.ok ? '✓' : '✗'} rendition ${r.name}${r.ok ? '' : `: ${r.checks.filter((c) => !c.ok).map((c) => c.code).join(', ')}`}`);
    }
    const bad = result.items.filter((i) => !i.ok).length;
    console.log(result.ok ? `VERIFIED: the manifest and all ${result.items.length} items (chain: ${redactRpcUrl(rpcUrl)})` : `NOT VERIFIED: ${bad} of ${result.items.length} items${result.manifest.ok ? '' : ' and the manifest'} failed`);
    if (result.ok && trusted === undefined) console.log('note: the contract was named by the package itself; compare it with the address Custos publishes, or pass --contract');
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
