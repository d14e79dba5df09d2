/**
 * custos notary — the notary office's side of 区块链+公证, run with the
 * office's own chain key (never the service's):
 *   keygen   a new key file and its address (give the address to the operator)
 *   grant    (operator) grant NOTARY_ROLE to that address on the contract
 *   cosign   witness the latest anchored head on chain, once or on a schedule
 *   certify  sign a preservation certificate for one evidence item and file it
 */
import { existsSync, writeFileSync } from 'node:fs';
import { Wallet, formatEther, parseEther } from 'ethers';
import { AppError } from '../../core/errors';
import { NOTARIZATION_VERSION, type NotarizationStatement } from '../../core/notarization';
import { createEthersChainAnchor } from '../../adapters/chain/ethers-chain-anchor';
import { parseAddress, readPrivateKeyFile } from '../../adapters/chain/keys';
import { signStatement } from '../../adapters/chain/notary-signature';
import type { ChainAnchor } from '../../ports';
import { parseCommandArgs } from '../args';
import { UsageError } from '../cli-error';
import { configuredContract, defaultRpcUrl, operatorKeyFile } from '../chain-target';
import { serverJson } from '../server-client';

export const NOTARY_HELP = `Usage: custos notary keygen --out FILE
       custos notary grant <address> [--rpc URL] [--contract ADDRESS] [--admin-key FILE] [--fund ETHER]
       custos notary cosign --key FILE [--server URL | --rpc URL --contract ADDRESS] [--every SECONDS]
       custos notary certify <evidenceId> --key FILE --server URL --token TOKEN --name NAME --certificate NUMBER

A notary office witnesses Custos's anchored log heads on chain with its own
key (cosign: the contract accepts only the root it anchored at that size) and
issues preservation certificates: a statement naming the evidence (id, sha256,
leaf) and a head the office cosigned, signed with the office's key (EIP-191),
filed as a notary.certified event. Proof bundles then carry it, and
custos verify checks "head witnessed by notary X" and "certified by notary X,
certificate N" against the chain.

Options:
  --out FILE          where keygen writes the private key (mode 0600; refuses to overwrite)
  --key FILE          the notary office's private key file
  --server URL        a Custos server: its /healthz names the chain and contract
  --rpc URL           a JSON-RPC endpoint of the chain (default: configured / embedded chain)
  --contract ADDRESS  the CustosLog contract (default: configured / embedded deployment)
  --admin-key FILE    (grant) the contract admin's key (default: CUSTOS_ANCHORER_KEY_FILE,
                      else the embedded chain's key in the data directory)
  --fund ETHER        (grant) send the notary this much for gas if it has none and the
                      admin can afford it (default 0.1; 0 on gas-free networks)
  --every SECONDS     (cosign) keep running, cosigning each new head this often
  --token TOKEN       (certify) a Custos token with the notary role
  --name NAME         (certify) the notary office's name, as printed on certificates
  --certificate N     (certify) the office's certificate number`;

export async function notaryCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      out: { type: 'string' },
      key: { type: 'string' },
      server: { type: 'string' },
      rpc: { type: 'string' },
      contract: { type: 'string' },
      'admin-key': { type: 'string' },
      fund: { type: 'string' },
      every: { type: 'string' },
      token: { type: 'string' },
      name: { type: 'string' },
      certificate: { type: 'string' },
    },
    true,
  );
  if (values.help) {
    console.log(NOTARY_HELP);
    return 0;
  }
  const [action, ...rest] = positionals;
  switch (action) {
    case 'keygen': {
      if (!values.out) throw new UsageError('--out FILE is required');
      if (existsSync(values.out)) throw new UsageError(`${values.out} exists: refusing to overwrite a key`);
      const wallet = Wallet.createRandom();
      writeFileSync(values.out, `${wallet.privateKey}\n`, { mode: 0o600, flag: 'wx' });
      console.log(wallet.address.toLowerCase());
      console.error(`wrote the notary key to ${values.out}; give the address above to the operator (custos notary grant)`);
      return 0;
    }
    case 'grant': {
      if (rest.length !== 1) throw new UsageError('usage: custos notary grant <address>');
      const account = parseAddressArg(rest[0]);
      let fund: bigint;
      try {
        fund = parseEther(values.fund ?? '0.1');
      } catch {
        throw new UsageError(`--fund: "${values.fund}" is not an amount of ether`);
      }
      const chain = await openChain(values, readPrivateKeyFile(values['admin-key'] ?? operatorKeyFile()));
      try {
        const { txHash, fundedWei } = await chain.grantNotary(account, fund);
        console.log(JSON.stringify({ notary: account.toLowerCase(), granted: true, txHash, funded: formatEther(fundedWei) }));
        return 0;
      } finally {
        await chain.close();
      }
    }
    case 'cosign': {
      if (!values.key) throw new UsageError('--key FILE is required (the notary office key)');
      const every = values.every === undefined ? undefined : Number(values.every);
      if (every !== undefined && (!Number.isFinite(every) || every < 1)) throw new UsageError('--every is a number of seconds (at least 1)');
      const key = readPrivateKeyFile(values.key);
      const chain = await openChain(values, key);
      try {
        if (every === undefined) {
          console.log(JSON.stringify(await cosignLatest(chain, new Wallet(key).address)));
          return 0;
        }
        return await cosignOnSchedule(chain, new Wallet(key).address, every * 1000);
      } finally {
        await chain.close();
      }
    }
    case 'certify':
      return certify(rest, values);
    default:
      throw new UsageError('usage: custos notary keygen|grant|cosign|certify (see custos notary --help)');
  }
}

type Values = { server?: string; rpc?: string; contract?: string; token?: string; key?: string; name?: string; certificate?: string };

function parseAddressArg(value: string): string {
  try {
    return parseAddress(value, 'the address');
  } catch {
    throw new UsageError(`"${value}" is not an address`);
  }
}

/** The chain to talk to: --rpc/--contract, else what a --server names in /healthz, else the configured or embedded one. */
async function openChain(values: Values, signerKey: string): Promise<ChainAnchor> {
  let rpcUrl = values.rpc;
  let contract = values.contract;
  if (values.server && (!rpcUrl || !contract)) {
    const health = await serverJson(`${values.server.replace(/\/+$/, '')}/healthz`);
    const chain = (health as { chain?: { rpcUrl?: string; contract?: string } }).chain;
    rpcUrl ??= chain?.rpcUrl;
    contract ??= chain?.contract;
  }
  rpcUrl ??= defaultRpcUrl();
  contract ??= configuredContract();
  if (!contract) throw new UsageError('no contract known: pass --contract or --server');
  return createEthersChainAnchor({ rpcUrl, contract: parseAddressArg(contract), signerKey, timeoutMs: 10_000 });
}

/** Cosigns the latest anchored head unless this notary already did. */
async function cosignLatest(chain: ChainAnchor, notary: string) {
  const head = await chain.latestHead();
  if (head.treeSize === 0) throw new AppError('HEAD_NOT_COSIGNED', 'nothing is anchored yet: there is no head to cosign');
  if (!(await chain.isNotary(notary))) throw new AppError('NOTARY_NOT_AUTHORIZED', `${notary.toLowerCase()} does not hold NOTARY_ROLE (custos notary grant)`);
  const already = await chain.cosignedAt(head.treeSize, notary);
  if (already > 0) return { treeSize: head.treeSize, rootHash: head.rootHash, notary: notary.toLowerCase(), cosignedAt: new Date(already * 1000).toISOString(), alreadyCosigned: true };
  const receipt = await chain.cosignHead(head.treeSize, head.rootHash);
  return { treeSize: head.treeSize, rootHash: head.rootHash, notary: notary.toLowerCase(), cosignedAt: new Date(receipt.anchoredAt * 1000).toISOString(), txHash: receipt.txHash, blockNumber: receipt.blockNumber };
}

/** Runs until SIGINT/SIGTERM, one JSON line per cosigned head; a failed round is reported and retried next time. */
async function cosignOnSchedule(chain: ChainAnchor, notary: string, intervalMs: number): Promise<number> {
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let last = -1;
  for (;;) {
    try {
      const result = await cosignLatest(chain, notary);
      if (result.treeSize !== last) console.log(JSON.stringify(result));
      last = result.treeSize;
    } catch (error) {
      console.error(`custos notary cosign: ${error instanceof AppError ? `${error.code}: ` : ''}${(error as Error).message}`);
    }
    const woke = await Promise.race([stopped.then(() => 'stop'), new Promise((r) => setTimeout(() => r('tick'), intervalMs))]);
    if (woke === 'stop') return 0;
  }
}

async function certify(rest: string[], values: Values): Promise<number> {
  if (rest.length !== 1) throw new UsageError('usage: custos notary certify <evidenceId> (see --help)');
  for (const flag of ['key', 'server', 'token', 'name', 'certificate'] as const) if (!values[flag]) throw new UsageError(`--${flag} is required`);
  const server = values.server!.replace(/\/+$/, '');
  const key = readPrivateKeyFile(values.key!);
  const notary = new Wallet(key).address;
  const evidenceId = rest[0];
  const bundle = (await serverJson(`${server}/v1/evidence/${encodeURIComponent(evidenceId)}/proof?purpose=${encodeURIComponent('notarial certification')}`, { token: values.token })) as {
    leafIndex?: number;
    leafHash?: string;
    event?: { sha256?: string; evidenceId?: string };
    status?: string;
  };
  if (bundle.status === 'pending' || bundle.leafHash === undefined) throw new AppError('HEAD_NOT_COSIGNED', `evidence ${evidenceId} is not anchored yet; try again after the next anchor`);
  const chain = await openChain(values, key);
  let head: { treeSize: number; rootHash: string };
  try {
    // Certify against the latest head, cosigning it first if this office has not yet.
    head = await cosignLatest(chain, notary);
  } finally {
    await chain.close();
  }
  const statement: NotarizationStatement = {
    version: NOTARIZATION_VERSION,
    certificateNumber: values.certificate!,
    notary: { address: notary.toLowerCase(), name: values.name! },
    evidence: { evidenceId, sha256: bundle.event!.sha256!, leafIndex: bundle.leafIndex!, leafHash: bundle.leafHash },
    head: { treeSize: head.treeSize, rootHash: head.rootHash },
    issuedAt: new Date().toISOString(),
  };
  const signature = await signStatement(key, statement);
  const filed = await serverJson(`${server}/v1/evidence/${encodeURIComponent(evidenceId)}/notarizations`, { body: { statement, signature }, token: values.token });
  console.log(JSON.stringify(filed));
  return 0;
}
