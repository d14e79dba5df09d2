/**
 * What `custos-recorder watch` shows: with --json one object per event on
 * stdout (for scripts and tests); otherwise readable lines on stderr, and on
 * a terminal a live status line with a progress bar for the file being sent.
 */
import type { WatchEvent } from '../watch/events';

export interface WatchOutput {
  show(event: WatchEvent): void;
  /** Ends the status line, if one is showing. */
  done(): void;
}

const BAR_WIDTH = 24;

export function createWatchOutput(options: { json: boolean; terminal: boolean }): WatchOutput {
  if (options.json) return { show: (event) => console.log(JSON.stringify(event)), done: () => undefined };
  let statusShowing = false;
  const clearStatus = () => {
    if (statusShowing) process.stderr.write('\r\x1b[K');
    statusShowing = false;
  };
  const line = (text: string) => {
    clearStatus();
    process.stderr.write(`${text}\n`);
  };
  return {
    show(event) {
      if (event.type === 'upload-progress') {
        if (!options.terminal) return; // a log file gets the outcome, not a stream of percentages
        process.stderr.write(`\r\x1b[K${statusLine(event)}`);
        statusShowing = true;
        return;
      }
      const text = describe(event);
      if (text !== null) line(text);
    },
    done: clearStatus,
  };
}

function statusLine(event: Extract<WatchEvent, { type: 'upload-progress' }>): string {
  const filled = Math.round((event.percent / 100) * BAR_WIDTH);
  const bar = '#'.repeat(filled) + '-'.repeat(BAR_WIDTH - filled);
  return `${event.path} [${bar}] ${bytes(event.bytesSent)} / ${bytes(event.bytesTotal)} ${event.percent.toFixed(1)}% ${bytes(event.bytesPerSecond)}/s`;
}

function describe(event: WatchEvent): string | null {
  switch (event.type) {
    case 'file-seen':
      return `seen      ${event.path} (${bytes(event.size)})`;
    case 'file-stable':
      return null; // the upload line follows at once
    case 'upload-started':
      return `uploading ${event.path} as ${event.deviceId}${event.uploadUrl ? ` (resuming ${event.uploadUrl})` : ''}`;
    case 'upload-progress':
      return null;
    case 'uploaded':
      return `uploaded  ${event.path} → ${event.evidenceId} (sha256 ${event.sha256.slice(0, 16)}…${event.resumedFrom > 0 ? `, resumed at ${bytes(event.resumedFrom)}` : ''})`;
    case 'verified':
      return `verified  ${event.path}: proof in ${event.proofPath}`;
    case 'deleted':
      return `deleted   ${event.path} (evidence ${event.evidenceId})`;
    case 'error': {
      const outcome =
        event.outcome === 'refused'
          ? 'left in place'
          : event.outcome === 'retry'
            ? `retrying in ${((event.retryInMs ?? 0) / 1000).toFixed(1)} s`
            : event.outcome === 'gave-up'
              ? 'left for the next run'
              : 'stopping';
      return `error     ${event.path ?? '(folder)'}: ${event.code}: ${event.message} (${outcome})`;
    }
    case 'stopped':
      return `${event.reason === 'signal' ? 'stopped' : 'done'}: ${event.verified} verified, ${event.deleted} deleted, ${event.refused} refused, ${event.unfinished} unfinished`;
  }
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
