/**
 * One typed configuration, parsed once from the environment (and CLI flags) at
 * start-up, every problem listed at once, then frozen. Nothing else reads
 * process.env.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { AppError } from './core/errors';
import { ACTION_TYPES } from './core/action-code';
import { cronProblem } from './core/cron';
import { DEFAULT_REVIEW_STAGES, reviewStagesSchema, type ReviewStage } from './core/review';

export interface ChainConfig {
  /** Set: anchor on this external EVM chain. Unset: start the embedded anvil chain. */
  rpcUrl?: string;
  contract?: string;
  anchorerKeyFile?: string;
  /** Port of the embedded anvil node (0 = any free port). */
  embeddedPort: number;
  rpcTimeoutMs: number;
}

export interface MediaConfig {
  /** Probe and transcode uploads (on by default). Off: evidence is still stored and anchored, with no media record. */
  enabled: boolean;
  /** Explicit binaries (both or neither); otherwise the system's ffmpeg >= 5, else the npm fallback. */
  ffmpegPath?: string;
  ffprobePath?: string;
  transcodeTimeoutMs: number;
}

export interface CasesConfig {
  /** Action types (2-digit code → names): the statutory four plus any configured. */
  actionTypes: Readonly<Record<string, { en: string; zh: string }>>;
  /** The review chain, in order (default: the five stages of 五级审核). */
  reviewStages: readonly ReviewStage[];
  /** Every review decision must carry the deciding account's signature (default on). */
  requireReviewSignature: boolean;
}

export interface AuditConfig {
  /** Bytes per second an audit may read from IPFS (0: no limit); chunks always yield to requests. */
  maxBytesPerSecond: number;
  /** Cron expression (5 fields, local time) of the full audit; "off" for none. */
  fullSchedule: string;
  /** Cron expression of the sample audit; "off" for none. */
  sampleSchedule: string;
  samplePercent: number;
}

export interface JobsConfig {
  /** Jobs run at once (default: cores - 1, at least 1). */
  concurrency: number;
  maxAttempts: number;
  /** First retry after this long; doubled on each failure up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
}

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  anchorIntervalMs: number;
  /** Longest wait between anchoring retries while the chain is failing. */
  anchorMaxBackoffMs: number;
  maxUploadBytes: number;
  /** Free disk space kept in reserve: an upload that would leave less is refused (507 STORAGE_FULL); 0 turns the check off. */
  minFreeBytes: number;
  /** An unfinished resumable (tus) upload is deleted this long after its creation or last PATCH. */
  uploadExpiryMs: number;
  maxMetadataBytes: number;
  maxJsonBodyBytes: number;
  logPageSize: number;
  logLevel: LogLevel;
  /** Token roles whose uploads must carry a registered device's signature (default: uploader, i.e. docks and recorders). */
  requireDeviceSignatureFor: readonly string[];
  chain: ChainConfig;
  media: MediaConfig;
  jobs: JobsConfig;
  cases: CasesConfig;
  audit: AuditConfig;
  /** Base URL printed in certificates' QR codes and links (default http://host:port). */
  publicUrl?: string;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** Documented in the README's configuration table; keep both in step. */
export const ENV = {
  port: 'CUSTOS_PORT',
  host: 'CUSTOS_HOST',
  dataDir: 'CUSTOS_DATA_DIR',
  anchorIntervalMs: 'CUSTOS_ANCHOR_INTERVAL_MS',
  anchorMaxBackoffMs: 'CUSTOS_ANCHOR_MAX_BACKOFF_MS',
  maxUploadBytes: 'CUSTOS_MAX_UPLOAD_BYTES',
  minFreeBytes: 'CUSTOS_MIN_FREE_BYTES',
  uploadExpiryMs: 'CUSTOS_UPLOAD_EXPIRY_MS',
  maxMetadataBytes: 'CUSTOS_MAX_METADATA_BYTES',
  maxJsonBodyBytes: 'CUSTOS_MAX_JSON_BODY_BYTES',
  logPageSize: 'CUSTOS_LOG_PAGE_SIZE',
  logLevel: 'CUSTOS_LOG_LEVEL',
  rpcUrl: 'CUSTOS_CHAIN_RPC_URL',
  contract: 'CUSTOS_CHAIN_CONTRACT',
  anchorerKeyFile: 'CUSTOS_ANCHORER_KEY_FILE',
  embeddedPort: 'CUSTOS_ANVIL_PORT',
  rpcTimeoutMs: 'CUSTOS_CHAIN_RPC_TIMEOUT_MS',
  requireDeviceSignatureFor: 'CUSTOS_REQUIRE_DEVICE_SIGNATURE',
  mediaEnabled: 'CUSTOS_MEDIA',
  ffmpegPath: 'CUSTOS_FFMPEG_PATH',
  ffprobePath: 'CUSTOS_FFPROBE_PATH',
  transcodeTimeoutMs: 'CUSTOS_TRANSCODE_TIMEOUT_MS',
  jobConcurrency: 'CUSTOS_JOB_CONCURRENCY',
  jobMaxAttempts: 'CUSTOS_JOB_MAX_ATTEMPTS',
  jobRetryBaseMs: 'CUSTOS_JOB_RETRY_BASE_MS',
  jobRetryMaxMs: 'CUSTOS_JOB_RETRY_MAX_MS',
  actionTypes: 'CUSTOS_ACTION_TYPES',
  reviewStages: 'CUSTOS_REVIEW_STAGES',
  requireReviewSignature: 'CUSTOS_REQUIRE_REVIEW_SIGNATURE',
  publicUrl: 'CUSTOS_PUBLIC_URL',
  auditMaxBytesPerSecond: 'CUSTOS_AUDIT_MAX_BYTES_PER_SEC',
  auditSchedule: 'CUSTOS_AUDIT_SCHEDULE',
  auditSampleSchedule: 'CUSTOS_AUDIT_SAMPLE_SCHEDULE',
  auditSamplePercent: 'CUSTOS_AUDIT_SAMPLE_PERCENT',
} as const;

export type ConfigOverrides = Partial<Omit<Config, 'chain' | 'media' | 'jobs' | 'cases' | 'audit'>> & {
  audit?: Partial<AuditConfig>;
  cases?: Partial<CasesConfig>;
  chain?: Partial<ChainConfig>;
  media?: Partial<MediaConfig>;
  jobs?: Partial<JobsConfig>;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}): Readonly<Config> {
  const problems: string[] = [];
  const str = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
      return fallback;
    }
    return Number(raw);
  };

  const logLevel = (str(ENV.logLevel) ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`${ENV.logLevel} must be one of ${LOG_LEVELS.join(', ')}`);

  const chain: ChainConfig = {
    rpcUrl: str(ENV.rpcUrl),
    contract: str(ENV.contract),
    anchorerKeyFile: str(ENV.anchorerKeyFile),
    embeddedPort: int(ENV.embeddedPort, 8545, 0, 65535),
    rpcTimeoutMs: int(ENV.rpcTimeoutMs, 10_000, 100, 600_000),
    ...overrides.chain,
  };

  const signatureRoles = (str(ENV.requireDeviceSignatureFor) ?? 'uploader').split(',').map((r) => r.trim()).filter((r) => r !== '' && r !== 'none');
  for (const role of signatureRoles) {
    if (!['admin', 'officer', 'uploader'].includes(role)) problems.push(`${ENV.requireDeviceSignatureFor} lists roles (admin, officer, uploader) or "none", not "${role}"`);
  }

  const mediaSwitch = str(ENV.mediaEnabled) ?? 'on';
  if (!['on', 'off'].includes(mediaSwitch)) problems.push(`${ENV.mediaEnabled} must be "on" or "off"`);
  const media: MediaConfig = {
    enabled: mediaSwitch !== 'off',
    ffmpegPath: str(ENV.ffmpegPath),
    ffprobePath: str(ENV.ffprobePath),
    transcodeTimeoutMs: int(ENV.transcodeTimeoutMs, 4 * 3_600_000, 1000, 7 * 86_400_000),
    ...overrides.media,
  };
  if ((media.ffmpegPath === undefined) !== (media.ffprobePath === undefined)) {
    problems.push(`${ENV.ffmpegPath} and ${ENV.ffprobePath} go together: set both or neither`);
  }
  const jobs: JobsConfig = {
    concurrency: int(ENV.jobConcurrency, Math.max(1, availableParallelism() - 1), 1, 256),
    maxAttempts: int(ENV.jobMaxAttempts, 3, 1, 100),
    retryBaseMs: int(ENV.jobRetryBaseMs, 5000, 10, 86_400_000),
    retryMaxMs: int(ENV.jobRetryMaxMs, 300_000, 10, 86_400_000),
    ...overrides.jobs,
  };

  const cases: CasesConfig = {
    actionTypes: { ...ACTION_TYPES, ...parseJson(str(ENV.actionTypes), ENV.actionTypes, problems, (v) => {
      const ok = typeof v === 'object' && v !== null && !Array.isArray(v) &&
        Object.entries(v).every(([k, t]) => /^\d{2}$/.test(k) && typeof t === 'object' && t !== null && typeof (t as { en?: unknown }).en === 'string' && typeof (t as { zh?: unknown }).zh === 'string');
      return ok ? (v as Record<string, { en: string; zh: string }>) : 'a JSON object {"05": {"en": "…", "zh": "…"}, …} (2-digit codes)';
    }) },
    reviewStages: parseJson(str(ENV.reviewStages), ENV.reviewStages, problems, (v) => {
      const result = reviewStagesSchema.safeParse(v);
      return result.success ? result.data : `a JSON array of {id, en, zh, roles} (${result.error.issues.map((i) => i.message).join('; ')})`;
    }) ?? DEFAULT_REVIEW_STAGES,
    requireReviewSignature: (str(ENV.requireReviewSignature) ?? 'on') !== 'off',
    ...overrides.cases,
  };
  const audit: AuditConfig = {
    maxBytesPerSecond: int(ENV.auditMaxBytesPerSecond, 0, 0, Number.MAX_SAFE_INTEGER),
    fullSchedule: str(ENV.auditSchedule) ?? '0 2 * * *',
    sampleSchedule: str(ENV.auditSampleSchedule) ?? '0 * * * *',
    samplePercent: Number(str(ENV.auditSamplePercent) ?? '1'),
    ...overrides.audit,
  };
  for (const [name, expression] of [[ENV.auditSchedule, audit.fullSchedule], [ENV.auditSampleSchedule, audit.sampleSchedule]] as const) {
    const problem = expression === 'off' ? null : cronProblem(expression);
    if (problem) problems.push(`${name}: ${problem}`);
  }
  if (!(audit.samplePercent > 0 && audit.samplePercent <= 100)) problems.push(`${ENV.auditSamplePercent} must be a percentage in (0, 100]`);
  if (!['on', 'off', undefined].includes(str(ENV.requireReviewSignature))) problems.push(`${ENV.requireReviewSignature} must be "on" or "off"`);
  const publicUrl = str(ENV.publicUrl);
  if (publicUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(publicUrl)) problems.push(`${ENV.publicUrl} must be an http(s) URL`);

  const config: Config = {
    port: int(ENV.port, 8080, 0, 65535),
    host: str(ENV.host) ?? '127.0.0.1',
    dataDir: str(ENV.dataDir) ?? './data',
    anchorIntervalMs: int(ENV.anchorIntervalMs, 2000, 50, 86_400_000),
    anchorMaxBackoffMs: int(ENV.anchorMaxBackoffMs, 60_000, 100, 86_400_000),
    maxUploadBytes: int(ENV.maxUploadBytes, 64 * 1024 ** 3, 1, Number.MAX_SAFE_INTEGER),
    minFreeBytes: int(ENV.minFreeBytes, 512 * 1024 ** 2, 0, Number.MAX_SAFE_INTEGER),
    uploadExpiryMs: int(ENV.uploadExpiryMs, 24 * 3_600_000, 1000, 30 * 86_400_000),
    maxMetadataBytes: int(ENV.maxMetadataBytes, 16 * 1024, 256, 1024 * 1024),
    maxJsonBodyBytes: int(ENV.maxJsonBodyBytes, 1024 * 1024, 1024, 64 * 1024 * 1024),
    logPageSize: int(ENV.logPageSize, 1000, 1, 100_000),
    logLevel,
    requireDeviceSignatureFor: signatureRoles,
    ...(publicUrl ? { publicUrl: publicUrl.replace(/\/+$/, '') } : {}),
    ...overrides,
    chain,
    media,
    jobs,
    cases,
    audit,
  };
  config.dataDir = resolve(config.dataDir);

  if (chain.rpcUrl !== undefined) {
    if (!/^https?:\/\//.test(chain.rpcUrl)) problems.push(`${ENV.rpcUrl} must be an http(s) URL`);
    if (chain.contract === undefined) problems.push(`${ENV.rpcUrl} is set, so ${ENV.contract} is required (deploy with \`custos deploy\`)`);
    if (chain.anchorerKeyFile === undefined) problems.push(`${ENV.rpcUrl} is set, so ${ENV.anchorerKeyFile} is required`);
  } else if (chain.contract !== undefined || chain.anchorerKeyFile !== undefined) {
    problems.push(`${ENV.contract} and ${ENV.anchorerKeyFile} only apply with ${ENV.rpcUrl}`);
  }
  if (chain.contract !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(chain.contract)) problems.push(`${ENV.contract} must be a 0x-prefixed address`);

  if (problems.length > 0) {
    throw new AppError('CONFIG_INVALID', `invalid configuration: ${problems.join('; ')}`, { details: { problems } });
  }
  return Object.freeze({ ...config, chain: Object.freeze(chain), media: Object.freeze(media), jobs: Object.freeze(jobs), cases: Object.freeze(cases), audit: Object.freeze(audit) });
}

/** Parses an optional JSON setting; `check` returns the value or a description of what was expected. */
function parseJson<T>(raw: string | undefined, name: string, problems: string[], check: (value: unknown) => T | string): T | undefined {
  if (raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    problems.push(`${name} must be JSON`);
    return undefined;
  }
  const checked = check(value);
  if (typeof checked === 'string') {
    problems.push(`${name} must be ${checked}`);
    return undefined;
  }
  return checked;
}

/** The service's base URL for a listen address (IPv6 hosts in brackets). */
export function serviceUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
