/**
 * The chain adapter against a real anvil (started in a temporary directory on a
 * free port) and a real CustosLog. Every process started here is stopped in
 * the after hooks.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Wallet } from 'ethers';
import { AppError, isAppError, type ErrorCode } from '../../server/core/errors';
import { hashLeaf } from '../../server/core/hash';
import { toHex } from '../../server/core/hex';
import { MemoryTree, computeConsistencyProof, computeInclusionProof } from '../../server/core/merkle';
import type { AnchorReceipt, ChainAnchor } from '../../server/ports';
import { PID_FILE, STATE_FILE, startAnvil } from '../../server/adapters/chain/anvil-process';
import { DEPLOYMENT_FILE, KEY_FILE, startEmbeddedChain, type EmbeddedChain } from '../../server/adapters/chain/embedded-chain';
import { createEthersChainAnchor } from '../../server/adapters/chain/ethers-chain-anchor';
import { redactRpcUrl, redactRpcUrlIn } from '../../server/adapters/chain/rpc-url';

const leaf = (tag: string, i: number) => hashLeaf(new TextEncoder().encode(`${tag} ${i}`));

function treeOf(size: number, tag = 'leaf'): MemoryTree {
  const tree = new MemoryTree();
  for (let i = 0; i < size; i++) tree.append(leaf(tag, i));
  return tree;
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

function expectCode(error: AppError, code: ErrorCode): void {
  expect(error.code, `${error.code}: ${error.message}`).to.equal(code);
}

/** A port nobody listens on (bound by the kernel's choice, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

function readPid(directory: string): number {
  return (JSON.parse(readFileSync(join(directory, PID_FILE), 'utf8')) as { pid: number }).pid;
}

describe('adapters/chain', function () {
  this.timeout(90_000);

  describe('redactRpcUrl', () => {
    const cases: Array<[string, string, string]> = [
      ['keeps a local URL as it is', 'http://127.0.0.1:8545', 'http://127.0.0.1:8545'],
      ['keeps ordinary path segments', 'https://besu.example.org:8545/rpc/v1', 'https://besu.example.org:8545/rpc/v1'],
      ['strips userinfo', 'https://alice:s3cret@besu.example.org/rpc', 'https://besu.example.org/rpc'],
      ['hides an Infura project id', 'https://mainnet.infura.io/v3/84842078b09946638c03157f83405213', 'https://mainnet.infura.io/v3/***'],
      ['hides an Alchemy key', 'https://eth-mainnet.g.alchemy.com/v2/Ab3dEfGhIjKlMnOp_qRsT-uv', 'https://eth-mainnet.g.alchemy.com/v2/***'],
      ['hides every query value', 'https://rpc.example.com/?apikey=abc&chain=1', 'https://rpc.example.com?apikey=***&chain=***'],
      ['drops the fragment', 'http://node:8545/#token', 'http://node:8545'],
      ['keeps a long word without digits', 'https://rpc.example.com/ethereum-mainnet', 'https://rpc.example.com/ethereum-mainnet'],
      ['never echoes an unparseable URL', 'not a url 84842078b09946638c03157f83405213', '<invalid rpc url>'],
    ];
    for (const [what, input, expected] of cases) {
      it(what, () => expect(redactRpcUrl(input)).to.equal(expected));
    }

    it('removes the secrets of a URL from a free text', () => {
      const url = 'https://alice:s3cretpw@node.example/v3/84842078b09946638c03157f83405213?key=zzzzzz';
      const text = redactRpcUrlIn(`request to ${url} failed; password s3cretpw, key zzzzzz`, url);
      expect(text).to.not.match(/s3cretpw|84842078b0994663|zzzzzz/);
      expect(text).to.include('https://node.example/v3/***?key=***');
    });
  });

  describe('with a closed port (fault injected: closed port)', () => {
    it('rejects with CHAIN_UNAVAILABLE within a few seconds, the URL redacted (fault injected: closed port)', async () => {
      const port = await closedPort();
      const rpcUrl = `http://alice:s3cretpw@127.0.0.1:${port}/?apikey=topsecret`;
      const anchor = createEthersChainAnchor({ rpcUrl, contract: Wallet.createRandom().address, timeoutMs: 2_000 });
      const started = Date.now();
      try {
        const error = await rejection(anchor.latestHead());
        expectCode(error, 'CHAIN_UNAVAILABLE');
        expect(Date.now() - started).to.be.below(3_000);
        const visible = `${error.message} ${JSON.stringify(error.details)} ${(error.cause as Error).message}`;
        expect(visible).to.not.match(/s3cretpw|topsecret/);
        expectCode(await rejection(anchor.info()), 'CHAIN_UNAVAILABLE');
      } finally {
        await anchor.close();
      }
    });
  });

  describe('with an RPC that accepts connections and never answers (fault injected: silent server)', () => {
    let server: Server;
    const sockets = new Set<Socket>();
    before(async () => {
      server = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    after(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    });

    it('rejects with CHAIN_UNAVAILABLE after the request timeout (fault injected: silent server)', async () => {
      const { port } = server.address() as { port: number };
      const anchor = createEthersChainAnchor({ rpcUrl: `http://127.0.0.1:${port}`, contract: Wallet.createRandom().address, timeoutMs: 1_000 });
      const started = Date.now();
      try {
        expectCode(await rejection(anchor.latestHead()), 'CHAIN_UNAVAILABLE');
        expect(Date.now() - started).to.be.within(900, 3_000);
      } finally {
        await anchor.close();
      }
    });
  });

  describe('with an embedded anvil', () => {
    let directory: string;
    let chain: EmbeddedChain;
    let anchor: ChainAnchor;
    const chains: EmbeddedChain[] = [];
    const anchors: ChainAnchor[] = [];
    /** Processes the tests abandon on purpose; ended in after() if a test failed before taking them over. */
    const abandoned: number[] = [];
    const tree = treeOf(8);
    let first: AnchorReceipt;

    async function start(): Promise<EmbeddedChain> {
      const started = await startEmbeddedChain({ directory, port: 0 });
      chains.push(started);
      return started;
    }

    function anchorFor(c: EmbeddedChain, signerKey: string | undefined = c.signerKey): ChainAnchor {
      const created = createEthersChainAnchor({ rpcUrl: c.rpcUrl, contract: c.contract, signerKey, fromBlock: c.deploymentBlock });
      anchors.push(created);
      return created;
    }

    before(async () => {
      directory = mkdtempSync(join(tmpdir(), 'custos-chain-'));
      const started = Date.now();
      chain = await start();
      // Measured for the report: anvil start + key + funding + deployment.
      console.log(`      (embedded chain ready in ${Date.now() - started} ms)`);
      anchor = anchorFor(chain);
    });

    after(async () => {
      for (const created of anchors) await created.close();
      for (const started of chains) await started.stop();
      for (const pid of abandoned) if (isRunning(pid)) process.kill(pid, 'SIGTERM');
      rmSync(directory, { recursive: true, force: true });
    });

    describe('startEmbeddedChain', () => {
      it('deploys CustosLog on first start and records the deployment, the key (0600) and the pid', async () => {
        expect(chain.redeployed).to.equal(false);
        expect(chain.chainId).to.equal(31337);
        const deployment = JSON.parse(readFileSync(join(directory, DEPLOYMENT_FILE), 'utf8')) as { contract: string; chainId: number };
        expect(deployment).to.include({ contract: chain.contract, chainId: 31337 });
        expect(statSync(join(directory, KEY_FILE)).mode & 0o777).to.equal(0o600);
        expect(readPid(directory)).to.be.a('number');
        expect(await anchor.info()).to.deep.equal({ chainId: 31337, contract: chain.contract, rpcUrl: chain.rpcUrl });
      });
    });

    describe('anchorHead', () => {
      it('anchors a first head that latestHead, headAt, findAnchor and verifyInclusion agree on', async () => {
        const root5 = toHex(tree.root(5));
        first = await anchor.anchorHead(5, root5, []);
        expect(first.txHash).to.match(/^0x[0-9a-f]{64}$/);
        expect(first.anchoredAt).to.be.above(0);

        expect(await anchor.latestHead()).to.deep.equal({ treeSize: 5, rootHash: root5, anchoredAt: first.anchoredAt });
        expect(await anchor.headAt(5)).to.deep.equal({ treeSize: 5, rootHash: root5, anchoredAt: first.anchoredAt });
        expect(await anchor.headAt(4)).to.equal(null);
        expect(await anchor.findAnchor(5)).to.deep.equal(first);
        expect(await anchor.findAnchor(4)).to.equal(null);

        const proof = computeInclusionProof(tree, 2, 5).map(toHex);
        expect(await anchor.verifyInclusion(toHex(leaf('leaf', 2)), 2, 5, proof)).to.equal(true);
        expect(await anchor.verifyInclusion(toHex(leaf('leaf', 3)), 2, 5, proof)).to.equal(false);
      });

      it('anchors a consistent larger head', async () => {
        const proof = computeConsistencyProof(tree, 5, 8).map(toHex);
        const second = await anchor.anchorHead(8, toHex(tree.root(8)), proof);
        expect(second.blockNumber).to.be.above(first.blockNumber);
        expect((await anchor.latestHead()).treeSize).to.equal(8);
        expect(await anchor.findAnchor(8)).to.deep.equal(second);
        // A block hint (a bundle's blockNumber) is only where to look first: right or wrong, the answer is the chain's.
        expect(await anchor.findAnchor(8, second.blockNumber)).to.deep.equal(second);
        expect(await anchor.findAnchor(8, first.blockNumber)).to.deep.equal(second);
        expect(await anchor.findAnchor(5, 1e9)).to.deep.equal(first);
        expect(await anchor.findAnchor(4, first.blockNumber)).to.equal(null);
      });

      describe('when the new head forks the anchored log', () => {
        it('rejects with ANCHOR_REJECTED naming CustosLogInconsistentHead', async () => {
          const fork = treeOf(10, 'forged');
          const error = await rejection(anchor.anchorHead(10, toHex(fork.root(10)), computeConsistencyProof(fork, 8, 10).map(toHex)));
          expectCode(error, 'ANCHOR_REJECTED');
          expect(error.details).to.deep.include({ error: 'CustosLogInconsistentHead', args: { fromSize: 8, toSize: 10 } });
          expect(error.message).to.include('CustosLogInconsistentHead');
          expect((await anchor.latestHead()).treeSize).to.equal(8);
        });
      });

      describe('when the signer lacks ANCHORER_ROLE', () => {
        it('rejects with ANCHOR_REJECTED naming AccessControlUnauthorizedAccount', async () => {
          const stranger = Wallet.createRandom();
          const error = await rejection(anchorFor(chain, stranger.privateKey).anchorHead(9, toHex(treeOf(9).root()), []));
          expectCode(error, 'ANCHOR_REJECTED');
          expect(error.details?.error).to.equal('AccessControlUnauthorizedAccount');
          expect((error.details?.args as { account: string }).account).to.equal(stranger.address);
        });
      });
    });

    describe('createEthersChainAnchor', () => {
      it('rejects an address without contract code with CHAIN_MISMATCH', async () => {
        const wrong = createEthersChainAnchor({ rpcUrl: chain.rpcUrl, contract: Wallet.createRandom().address });
        anchors.push(wrong);
        expectCode(await rejection(wrong.latestHead()), 'CHAIN_MISMATCH');
      });

      it('rejects a node on another chain with CHAIN_MISMATCH', async () => {
        const wrong = createEthersChainAnchor({ rpcUrl: chain.rpcUrl, contract: chain.contract, expectedChainId: 1 });
        anchors.push(wrong);
        expectCode(await rejection(wrong.latestHead()), 'CHAIN_MISMATCH');
      });
    });

    describe('after a graceful stop and restart', () => {
      it('keeps the contract, the heads and the anchoring events (redeployed is false)', async () => {
        await anchor.close();
        await chain.stop();
        expect(existsSync(join(directory, PID_FILE))).to.equal(false);
        const started = Date.now();
        chain = await start();
        console.log(`      (restart from saved state in ${Date.now() - started} ms)`);
        anchor = anchorFor(chain);
        expect(chain.redeployed).to.equal(false);
        expect((await anchor.latestHead()).treeSize).to.equal(8);
        expect(await anchor.findAnchor(5)).to.deep.equal(first);
      });
    });

    describe('when a crashed service left its anvil running', () => {
      it('ends the leftover (SIGTERM, state dumped) and starts afresh on the same directory', async () => {
        await anchor.close();
        const leftover = readPid(directory);
        abandoned.push(leftover);
        chains.splice(chains.indexOf(chain), 1); // "forget" the handle, as a crash would
        const started = Date.now();
        chain = await start();
        console.log(`      (take-over of a leftover anvil in ${Date.now() - started} ms)`);
        anchor = anchorFor(chain);
        expect(isRunning(leftover)).to.equal(false);
        expect(readPid(directory)).to.not.equal(leftover);
        expect(chain.redeployed).to.equal(false);
        expect((await anchor.latestHead()).treeSize).to.equal(8);
      });
    });

    describe('when the pid file names a dead process', () => {
      it('removes the stale pid file and starts', async () => {
        await anchor.close();
        await chain.stop();
        const dead = spawnSync('true').pid;
        writeFileSync(join(directory, PID_FILE), JSON.stringify({ pid: dead, port: 1, startedAt: new Date(0).toISOString() }));
        chain = await start();
        anchor = anchorFor(chain);
        expect(readPid(directory)).to.not.equal(dead);
        expect((await anchor.latestHead()).treeSize).to.equal(8);
      });
    });

    describe('when the chain state was lost', () => {
      it('deploys again and reports redeployed', async () => {
        await anchor.close();
        await chain.stop();
        rmSync(join(directory, STATE_FILE));
        chain = await start();
        anchor = anchorFor(chain);
        expect(chain.redeployed).to.equal(true);
        expect((await anchor.latestHead()).treeSize).to.equal(0);
      });
    });
  });

  describe('startAnvil', () => {
    it('moves a torn state file aside and starts from genesis', async () => {
      const directory = mkdtempSync(join(tmpdir(), 'custos-anvil-'));
      writeFileSync(join(directory, STATE_FILE), '{"block":{"number":"0x'); // a dump cut short by SIGKILL
      try {
        const anvil = await startAnvil({ directory, port: 0 });
        await anvil.stop();
        expect(anvil.tornStateMovedTo).to.match(/anvil-state\.json\.torn-\d+$/);
        expect(existsSync(anvil.tornStateMovedTo as string)).to.equal(true);
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    });

    it('reports the tail of the log when anvil dies during start-up', async () => {
      const directory = mkdtempSync(join(tmpdir(), 'custos-anvil-'));
      // Holds the port; the readiness probe may connect to it, so its connections are ended at close.
      const connections: Socket[] = [];
      const blocker = createServer((socket) => connections.push(socket));
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = blocker.address() as { port: number };
        const error = await rejection(startAnvil({ directory, port }));
        expectCode(error, 'CHAIN_UNAVAILABLE');
        expect(error.message).to.match(/Address already in use/);
        expect(existsSync(join(directory, PID_FILE))).to.equal(false);
      } finally {
        for (const socket of connections) socket.destroy();
        await new Promise((resolve) => blocker.close(resolve));
        rmSync(directory, { recursive: true, force: true });
      }
    });
  });
});
