/**
 * The embedded anvil node as a child process of the service.
 *
 * State lives in `<directory>/anvil-state.json`: anvil loads it at start,
 * rewrites it every second and on SIGTERM. A SIGKILL therefore loses up to
 * the last second (measured: everything, when it comes before the first dump
 * of a fresh directory), which is why this module never SIGKILLs anvil except to
 * end a leftover that ignores SIGTERM. The pid file lets the next start find
 * an anvil orphaned by a crashed service (it keeps running, holding the port
 * and writing the same state file) and end it before starting a new one.
 *
 * Threat note: anvil accepts anvil_* and evm_* calls from anyone who can reach
 * its port (setStorageAt, setCode...). It listens on 127.0.0.1 by default; the
 * embedded chain is a convenience, not an independent witness.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../../core/errors';
import { endLeftover, removePidFile, type PidFile } from './anvil-pid-file';
import { fetchChainId } from './provider';

export interface StartAnvilOptions {
  directory: string;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  chainId?: number;
}

export interface AnvilHandle {
  rpcUrl: string;
  pid: number;
  port: number;
  /** Resolves when the process exits, for whatever reason. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Where an unreadable state file was moved before this start (the chain restarted from genesis), for the log. */
  tornStateMovedTo: string | null;
  /** SIGTERM, wait for the exit (anvil dumps its state), remove the pid file. Idempotent. */
  stop(): Promise<void>;
}

export const STATE_FILE = 'anvil-state.json';
export const PID_FILE = 'anvil.pid';
export const LOG_FILE = 'anvil.log';
const READY_TIMEOUT_MS = 15_000;
/** stop() waits this long for the state dump; after that the pid file stays for the next start to handle. */
const STOP_TIMEOUT_MS = 30_000;

/** The anvil binary shipped by @foundry-rs/anvil's platform package. */
export function resolveAnvilBinary(): string {
  const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;
  const name = `@foundry-rs/anvil-${process.platform}-${arch}`;
  try {
    const root = dirname(require.resolve(`${name}/package.json`));
    return join(root, 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
  } catch (cause) {
    throw new AppError('CONFIG_INVALID', `anvil is not installed for ${process.platform}/${process.arch} (${name})`, { cause });
  }
}

export async function startAnvil(options: StartAnvilOptions): Promise<AnvilHandle> {
  const directory = resolve(options.directory);
  const host = options.host ?? '127.0.0.1';
  const chainId = options.chainId ?? 31337;
  const statePath = join(directory, STATE_FILE);
  const pidPath = join(directory, PID_FILE);
  const logPath = join(directory, LOG_FILE);
  const binary = resolveAnvilBinary();
  mkdirSync(directory, { recursive: true });

  await endLeftover(pidPath, statePath);
  const tornStateMovedTo = quarantineTornState(statePath);
  const port = options.port === 0 ? await pickFreePort(host) : options.port;

  // Keep the previous run's log: it is where a crash would be explained.
  if (existsSync(logPath)) renameSync(logPath, `${logPath}.1`);
  const logFd = openSync(logPath, 'a');
  const args = ['--host', host, '--port', String(port), '--chain-id', String(chainId), '--state', statePath, '--state-interval', '1', '--silent'];
  let child: ChildProcess;
  try {
    child = spawn(binary, args, { stdio: ['ignore', logFd, logFd] });
  } finally {
    closeSync(logFd); // the child has its own copy
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit({ code, signal }));
  });
  const spawnFailed = new Promise<never>((_, reject) => child.once('error', reject));
  spawnFailed.catch(() => undefined);
  if (child.pid === undefined) {
    const cause = await spawnFailed.catch((error: unknown) => error);
    throw new AppError('CONFIG_INVALID', `cannot run anvil (${binary})`, { cause });
  }
  const pid = child.pid;

  const urlHost = host.includes(':') ? `[${host}]` : host;
  const rpcUrl = `http://${urlHost}:${port}`;

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const patience = new AbortController();
        const result = await Promise.race([exited, sleep(STOP_TIMEOUT_MS, null, { signal: patience.signal }).catch(() => null)]);
        patience.abort(); // no 30 s timer left holding the process once anvil has exited
        if (!result) throw new AppError('INTERNAL', `anvil (pid ${pid}) did not exit within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM`);
      }
      removePidFile(pidPath, pid);
    })();
    return stopping;
  };

  try {
    // Written before the readiness wait: if we die while waiting, the next start still finds it.
    writeFileSync(pidPath, JSON.stringify({ pid, port, startedAt: new Date().toISOString() } satisfies PidFile));
    await waitUntilReady(rpcUrl, chainId, exited, logPath);
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return { rpcUrl, pid, port, exited, tornStateMovedTo, stop };
}

/** Polls eth_chainId until anvil answers, it dies, or the timeout passes. */
async function waitUntilReady(
  rpcUrl: string,
  chainId: number,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  logPath: string,
): Promise<void> {
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  void exited.then((value) => (exit = value));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exit) {
      const { code, signal } = exit;
      throw new AppError('CHAIN_UNAVAILABLE', `anvil exited during start-up (code ${code}, signal ${signal}): ${tail(logPath)}`, {
        details: { code, signal, log: logPath },
      });
    }
    // Raced with the exit: a probe stuck on whoever else holds the port must not hide anvil's death.
    const answered = await Promise.race([chainIdOf(rpcUrl), exited.then(() => null)]);
    if (answered !== null) {
      if (answered !== chainId) {
        // Another node answered on "our" port (the free-port pick raced), or the state file is of another chain.
        throw new AppError('CHAIN_MISMATCH', `the node at ${rpcUrl} reports chain ${answered}, expected ${chainId}`, {
          details: { chainId: answered, expectedChainId: chainId },
        });
      }
      return;
    }
    await sleep(50);
  }
  throw new AppError('CHAIN_UNAVAILABLE', `anvil did not answer within ${READY_TIMEOUT_MS / 1000} s: ${tail(logPath)}`, { details: { log: logPath } });
}

/** The chain id anvil answers with, or null while it is not listening yet. */
function chainIdOf(rpcUrl: string): Promise<number | null> {
  return fetchChainId(rpcUrl, 1_000).catch(() => null);
}

function tail(logPath: string, lines = 20): string {
  try {
    const text = readFileSync(logPath, 'utf8').trim();
    return text ? text.split('\n').slice(-lines).join('\n') : '(anvil.log is empty)';
  } catch {
    return '(no anvil.log)';
  }
}

/** Binds port 0 to let the kernel choose, then releases it for anvil (a small race, checked by the chain id). */
function pickFreePort(host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolvePort(port) : reject(new Error('no port assigned'))));
    });
  });
}

/**
 * A SIGKILL during one of anvil's periodic dumps can leave a truncated state
 * file, which anvil refuses to load (it exits at start). Such a file is moved
 * aside, not deleted, and anvil starts from genesis: the embedded chain then
 * redeploys and the service re-anchors its history (see embedded-chain.ts).
 */
function quarantineTornState(statePath: string): string | null {
  if (!existsSync(statePath)) return null;
  try {
    JSON.parse(readFileSync(statePath, 'utf8'));
    return null;
  } catch {
    const movedTo = `${statePath}.torn-${Date.now()}`;
    renameSync(statePath, movedTo);
    return movedTo;
  }
}
