import { expect } from 'chai';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openDatabase, type Db } from '../../server/adapters/db/database';
import { computeLeafHash, type LogEvent } from '../../server/core/events';
import { canonicalize } from '../../server/core/jcs';
import { toHex } from '../../server/core/hex';
import { AppError } from '../../server/core/errors';
import { UsageError } from '../../server/cli/cli-error';
import { auditVerifyLogCommand } from '../../server/cli/commands/audit-verify-log';
import { auditLog, createChainHistorySource, createHttpLogSource, type LogAuditResult, type LogSource } from '../../server/services/log-mirror';
import { startTestServer, upload, waitForAnchored, type TestServer } from '../helpers/server';

/** Runs the command in-process, capturing what it prints. */
async function runCommand(args: string[]): Promise<{ code: number; stdout: string }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...parts: unknown[]) => void lines.push(parts.map(String).join(' '));
  try {
    return { code: await auditVerifyLogCommand(args), stdout: lines.join('\n') };
  } finally {
    console.log = original;
  }
}

/** A port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('custos audit verify-log', function () {
  this.timeout(180_000);
  let server: TestServer;
  let db: Db;
  let rpcUrl: string;
  let contract: string;
  const audit = (log: LogSource = createHttpLogSource(server.url)) => auditLog({ log, chain: createChainHistorySource({ rpcUrl, contract }) });
  const args = () => ['--server', server.url, '--rpc', rpcUrl, '--contract', contract];

  /** Rewrites one stored leaf for the duration of `fn`, then puts it back. */
  async function withEditedLeaf<T>(leafIndex: number, edit: (row: { event: string; leafHash: Buffer }) => { event: string; leafHash: Buffer }, fn: () => Promise<T>): Promise<T> {
    const row = db.prepare('SELECT event, leaf_hash FROM log_leaves WHERE leaf_index = ?').get(leafIndex) as { event: string; leaf_hash: Buffer };
    const edited = edit({ event: row.event, leafHash: row.leaf_hash });
    const write = db.prepare('UPDATE log_leaves SET event = ?, leaf_hash = ? WHERE leaf_index = ?');
    write.run(edited.event, edited.leafHash, leafIndex);
    try {
      return await fn();
    } finally {
      write.run(row.event, row.leaf_hash, leafIndex);
    }
  }

  /** Another recording's hash in the event: a different history from `leafIndex` on. */
  const forgeEvent = (text: string): string => {
    const event = JSON.parse(text) as Record<string, unknown>;
    return canonicalize(typeof event.sha256 === 'string' ? { ...event, sha256: 'f'.repeat(64) } : { ...event, forged: true });
  };

  before(async () => {
    // Pages of 2 entries, so mirroring walks several pages.
    server = await startTestServer({ config: { media: { enabled: false }, logPageSize: 2 } });
    // One upload per anchor: each waits for the previous head to be anchored, so the chain holds several heads.
    for (let i = 0; i < 4; i++) {
      const { body } = await upload(server.url, randomBytes(1000 + i), { token: server.adminToken });
      await waitForAnchored(server.url, body.id, server.adminToken);
    }
    const info = await server.custos.components.chain.info();
    rpcUrl = info.rpcUrl;
    contract = info.contract;
    // While the service runs the database is in WAL mode: a second connection is fine.
    db = openDatabase(join(server.dataDir, 'custos.db'));
  });

  after(async () => {
    db?.close();
    await server?.stop({ remove: true });
  });

  describe('when the served log is the anchored history', () => {
    let result: LogAuditResult;
    before(async () => {
      result = await audit();
    });

    it('verifies every anchored head and reports no finding', () => {
      expect(result.findings).to.deep.equal([]);
      expect(result.ok).to.equal(true);
      expect(result.leaves).to.equal(result.treeSize);
      expect(result.anchoredHeads.length).to.be.at.least(2);
      expect(result.checks.map((c) => [c.check, c.ok])).to.deep.equal([
        ['leaf-hash', true],
        ['chain-root', true],
        ['consistency', true],
        ['log-length', true],
      ]);
      const chainRoot = result.checks.find((c) => c.check === 'chain-root')!;
      expect(chainRoot.checked).to.equal(result.anchoredHeads.length);
      expect(result.checks.find((c) => c.check === 'consistency')!.checked).to.equal(result.anchoredHeads.length); // n-1 pairs + latestHead()
    });

    it('reads the anchored heads from the chain, matching what the server recorded', async () => {
      const latest = await server.custos.components.chain.latestHead();
      const last = result.anchoredHeads[result.anchoredHeads.length - 1];
      expect(last).to.include({ treeSize: latest.treeSize, rootHash: latest.rootHash });
      expect(last.txHash).to.match(/^0x[0-9a-f]{64}$/);
      const sizes = result.anchoredHeads.map((h) => h.treeSize);
      expect(sizes).to.deep.equal([...sizes].sort((a, b) => a - b));
    });

    it('walks the bounded pages, following next', async () => {
      const http = createHttpLogSource(server.url);
      const asked: Array<[number, number]> = [];
      const counting: LogSource = { head: () => http.head(), entries: (start, end) => (asked.push([start, end]), http.entries(start, end)) };
      const counted = await audit(counting);
      expect(counted.ok).to.equal(true);
      expect(asked).to.have.length(Math.ceil(counted.treeSize / 2));
      expect(asked.map(([start]) => start)).to.deep.equal(asked.map((_, i) => i * 2));
    });

    it('the command prints a ✓ line per check and VERIFIED, and exits 0', async () => {
      const { code, stdout } = await runCommand(args());
      expect(code).to.equal(0);
      for (const check of ['leaf-hash', 'chain-root', 'consistency', 'log-length']) expect(stdout).to.match(new RegExp(`^✓ ${check}`, 'm'));
      expect(stdout).to.match(/^VERIFIED: the log's \d+ leaves are the history anchored in \d+ heads/m);
    });

    it('the command prints the structured result with --json', async () => {
      const { code, stdout } = await runCommand([...args(), '--json']);
      expect(code).to.equal(0);
      const parsed = JSON.parse(stdout);
      expect(parsed).to.include({ ok: true });
      expect(parsed.findings).to.deep.equal([]);
      expect(parsed.anchoredHeads).to.have.length(result.anchoredHeads.length);
    });
  });

  describe('when the server serves another history (event and leaf hash rewritten together)', () => {
    it('reports chain-root and consistency findings, the first naming the first anchored head at or after that leaf', async () => {
      const heads = (await audit()).anchoredHeads;
      const leafIndex = heads[0].treeSize; // the first leaf after the first anchored head
      const firstAffected = heads.find((h) => h.treeSize > leafIndex)!;
      const result = await withEditedLeaf(
        leafIndex,
        (row) => {
          const event = forgeEvent(row.event);
          return { event, leafHash: Buffer.from(computeLeafHash(JSON.parse(event) as LogEvent)) };
        },
        () => audit(),
      );
      expect(result.ok).to.equal(false);
      expect(result.findings.filter((f) => f.check === 'leaf-hash')).to.deep.equal([]); // consistent forgery: every leaf hash matches its event
      const chainRoot = result.findings.filter((f) => f.check === 'chain-root');
      expect(chainRoot[0].item).to.equal(`anchored head ${firstAffected.treeSize}`);
      expect(chainRoot[0].expected).to.equal(firstAffected.rootHash);
      expect(chainRoot.map((f) => f.item)).to.deep.equal(heads.filter((h) => h.treeSize > leafIndex).map((h) => `anchored head ${h.treeSize}`));
      const consistency = result.findings.filter((f) => f.check === 'consistency');
      expect(consistency[0].item).to.equal(`anchored head ${firstAffected.treeSize}`);
      // Heads before the forged leaf still verify.
      expect(result.findings.some((f) => f.item === `anchored head ${heads[0].treeSize}`)).to.equal(false);
    });

    it('the command prints ✗ lines and NOT VERIFIED, and exits 1', async () => {
      const { code, stdout } = await withEditedLeaf(
        1,
        (row) => {
          const event = forgeEvent(row.event);
          return { event, leafHash: Buffer.from(computeLeafHash(JSON.parse(event) as LogEvent)) };
        },
        () => runCommand(args()),
      );
      expect(code).to.equal(1);
      expect(stdout).to.match(/^✗ chain-root/m);
      expect(stdout).to.match(/^✗ anchored head \d+: chain-root: /m);
      expect(stdout).to.match(/^NOT VERIFIED: \d+ findings/m);
    });
  });

  describe('when a served event was edited but not its leaf hash', () => {
    it('reports a leaf-hash finding for that leaf, with the recomputed and the served hash', async () => {
      const leafIndex = 1;
      let servedHash = '';
      let editedEvent = '';
      const result = await withEditedLeaf(
        leafIndex,
        (row) => {
          servedHash = row.leafHash.toString('hex');
          editedEvent = forgeEvent(row.event);
          return { event: editedEvent, leafHash: row.leafHash };
        },
        () => audit(),
      );
      expect(result.ok).to.equal(false);
      const leafFindings = result.findings.filter((f) => f.check === 'leaf-hash');
      expect(leafFindings).to.have.length(1);
      expect(leafFindings[0]).to.include({
        item: `log leaf ${leafIndex}`,
        expected: toHex(computeLeafHash(JSON.parse(editedEvent) as LogEvent)),
        found: servedHash,
      });
      expect(result.checks.find((c) => c.check === 'leaf-hash')).to.include({ ok: false, failed: 1 });
      // The tree is rebuilt from the events as served, so the anchored roots over it fail too.
      expect(result.findings.some((f) => f.check === 'chain-root')).to.equal(true);
    });
  });

  describe('when the served log is shorter than the latest anchored head', () => {
    it('reports a log-length finding', async () => {
      const http = createHttpLogSource(server.url);
      const result = await audit({ head: async () => ({ treeSize: 1 }), entries: (start, end) => http.entries(start, end) });
      expect(result.ok).to.equal(false);
      expect(result.leaves).to.equal(1);
      const [finding] = result.findings.filter((f) => f.check === 'log-length');
      expect(finding).to.include({ item: 'log head', found: '1 leaves' });
      expect(result.findings.filter((f) => f.check === 'chain-root')).to.deep.equal([]); // heads beyond the mirror are not root-checked
    });
  });

  describe('when the server answers a page that does not start where asked', () => {
    it('fails with SERVER_UNAVAILABLE rather than auditing a shifted log', async () => {
      const http = createHttpLogSource(server.url);
      const shifted: LogSource = { head: () => http.head(), entries: async (start, end) => ({ ...(await http.entries(start, end)), start: start + 1 }) };
      const error = await audit(shifted).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(AppError);
      expect((error as AppError).code).to.equal('SERVER_UNAVAILABLE');
    });
  });

  describe('when the chain RPC is unreachable', () => {
    it('fails with CHAIN_UNAVAILABLE (exit 3 through main)', async () => {
      const rpc = `http://127.0.0.1:${await deadPort()}`;
      const error = await auditVerifyLogCommand(['--server', server.url, '--rpc', rpc, '--contract', contract]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(AppError);
      expect((error as AppError).code).to.equal('CHAIN_UNAVAILABLE');
    });
  });

  describe('when the arguments are incomplete or malformed', () => {
    const cases: Array<[string, () => string[]]> = [
      ['no --contract', () => ['--server', server.url, '--rpc', rpcUrl]],
      ['a --contract that is not an address', () => [...args().slice(0, 4), '--contract', '0x1234']],
      ['no --server', () => ['--rpc', rpcUrl, '--contract', contract]],
      ['an --rpc that is not http(s)', () => ['--server', server.url, '--rpc', 'ws://127.0.0.1:1', '--contract', contract]],
      ['an unknown option', () => [...args(), '--bogus']],
    ];
    for (const [name, argv] of cases) {
      it(`throws a UsageError for ${name}`, async () => {
        const error = await auditVerifyLogCommand(argv()).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).to.be.instanceOf(UsageError);
      });
    }
  });
});
