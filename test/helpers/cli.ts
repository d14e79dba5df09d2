/** Runs the built `custos` CLI (bin/custos.js → dist/) as a child process, the way a user does. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(__dirname, '..', '..', 'bin', 'custos.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `custos` (or another of the package's bins, e.g. bin/custos-recorder.js). */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000, cli = CLI): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`custos ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `custos serve` as a child process and resolves with its URL once it listens. */
/**
 * With `processGroup`, the service leads its own process group, so a test can
 * kill it together with its children (ffmpeg, anvil) the way a crash of the
 * machine's service unit would: process.kill(-child.pid, 'SIGKILL').
 */
export function spawnServe(dataDir: string, env: Record<string, string> = {}, options: { processGroup?: boolean } = {}): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir], {
      env: { ...process.env, CUSTOS_ANVIL_PORT: '0', CUSTOS_ANCHOR_INTERVAL_MS: '150', CUSTOS_LOG_LEVEL: 'warn', CUSTOS_AUDIT_SCHEDULE: 'off', CUSTOS_AUDIT_SAMPLE_SCHEDULE: 'off', CUSTOS_MIN_FREE_BYTES: '1048576', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: options.processGroup ?? false,
    });
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`custos serve did not start: ${stderr}`)), 60_000);
    child.stderr!.on('data', (d) => {
      stderr += d;
      const match = /custos listening on (http:\/\/[^\s]+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1] });
      }
    });
    child.on('exit', (code) => reject(new Error(`custos serve exited with ${code}: ${stderr}`)));
  });
}
