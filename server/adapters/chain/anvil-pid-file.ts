/**
 * The pid file of the embedded anvil, and what to do with one left behind.
 * A crashed service leaves its anvil running (holding the port and writing the
 * same state file); the next start must end it, gently so that it dumps its
 * state, before starting its own.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../../core/errors';

export interface PidFile {
  pid: number;
  port: number;
  startedAt: string;
}

/** SIGTERM lets anvil dump its state; SIGKILL only if it ignores SIGTERM this long. */
const LEFTOVER_TERM_TIMEOUT_MS = 10_000;


/**
 * Ends the anvil a crashed service left running on this directory. Only a live
 * process whose command line names anvil and our state file is touched: a pid
 * can be reused by an unrelated process after a reboot.
 */
export async function endLeftover(pidPath: string, statePath: string): Promise<void> {
  const recorded = readPidFile(pidPath);
  if (!recorded) return;
  if (isAlive(recorded.pid) && isOurAnvil(recorded.pid, statePath)) {
    signal(recorded.pid, 'SIGTERM'); // anvil dumps its state on SIGTERM
    if (!(await waitForExit(recorded.pid, LEFTOVER_TERM_TIMEOUT_MS))) {
      signal(recorded.pid, 'SIGKILL');
      if (!(await waitForExit(recorded.pid, LEFTOVER_TERM_TIMEOUT_MS))) {
        throw new AppError('INTERNAL', `the leftover anvil (pid ${recorded.pid}) survived SIGKILL`);
      }
    }
  }
  rmSync(pidPath, { force: true });
}

/** process.kill, except that a process which exited in the meantime is no error. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** The pid file's record, or null if it is missing, torn by a crash mid-write, or not ours. Changes nothing. */
export function peekPidFile(pidPath: string): PidFile | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(pidPath, 'utf8'));
  } catch {
    return null;
  }
  const { pid, port } = (parsed ?? {}) as { pid?: unknown; port?: unknown };
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 1) return null;
  if (typeof port !== 'number' || !Number.isSafeInteger(port) || port <= 0 || port > 65535) return null;
  return parsed as PidFile;
}

/** Like peekPidFile, and removes a file that holds nothing we can act on. */
function readPidFile(pidPath: string): PidFile | null {
  const recorded = peekPidFile(pidPath);
  if (!recorded) rmSync(pidPath, { force: true });
  return recorded;
}

/** Alive and not a zombie (a zombie has exited; only its parent has not reaped it yet). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; comm may contain spaces, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): trust kill(0)
  }
}

function isOurAnvil(pid: number, statePath: string): boolean {
  let commandLine: string;
  try {
    commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    try {
      commandLine = execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    } catch {
      return false;
    }
  }
  return /anvil/.test(commandLine) && commandLine.includes(statePath);
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(50);
  }
  return !isAlive(pid);
}

/** Removes the pid file only if it still names this process (a newer start may own it). */
export function removePidFile(pidPath: string, pid: number): void {
  try {
    if (statSync(pidPath).isFile() && readPidFile(pidPath)?.pid === pid) rmSync(pidPath, { force: true });
  } catch {
    // Already gone.
  }
}
