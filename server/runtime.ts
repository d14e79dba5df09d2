/**
 * Wires the service once: data directory, SQLite, the embedded (or configured)
 * IPFS store and chain, the anchorer, and the Koa app. Tests call startCustos
 * with a temporary data directory and the real embedded parts; a faulty chain
 * can be injected with `wrapChain` to simulate an outage, a faulty content
 * store with `wrapContent` to simulate a full disk.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { continueWhenBodyIsRead } from './http/expect-continue';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type Koa from 'koa';
import { serviceUrl, type Config } from './config';
import { readPrivateKeyFile } from './adapters/chain/keys';
import { AppError } from './core/errors';
import { createLogger, describeError, type Logger } from './logger';
import type { ChainAnchor, ContentStore, MediaTool } from './ports';
import { openDatabase } from './adapters/db/database';
import { LogStore } from './adapters/db/log-store';
import { EvidenceStore } from './adapters/db/evidence-store';
import { AnchorStore } from './adapters/db/anchor-store';
import { TokenStore } from './adapters/db/token-store';
import { createUnixfsStore } from './adapters/ipfs/unixfs-store';
import { createEthersChainAnchor } from './adapters/chain/ethers-chain-anchor';
import { startEmbeddedChain } from './adapters/chain/embedded-chain';
import { acquireDataDirLock } from './data-dir-lock';
import { JobStore } from './adapters/db/job-store';
import { UploadStore } from './adapters/uploads/upload-store';
import { DeviceStore } from './adapters/db/device-store';
import { RecordingStore } from './adapters/db/recording-store';
import { CaseStore } from './adapters/db/case-store';
import { createCases } from './services/cases';
import { CustodyStore } from './adapters/db/custody-store';
import { createCustody } from './services/custody';
import { ShareStore } from './adapters/db/share-store';
import { NotarizationStore } from './adapters/db/notarization-store';
import { createNotary } from './services/notary';
import { createCasePackages } from './services/case-package';
import { AuditStore } from './adapters/db/audit-store';
import { Auditor } from './services/audit/auditor';
import { startAuditSchedule } from './services/audit/audit-schedule';
import { recoverStatementSigner } from './adapters/chain/notary-signature';
import { ReviewStore } from './adapters/db/review-store';
import { createCaseShares } from './services/case-shares';
import { createCaseReview, type CaseReview } from './services/case-review';
import { createRecordings } from './services/recordings';
import { checkDeviceSignature, createDeviceRegistry } from './services/devices';
import { MediaStore, RenditionStore } from './adapters/db/media-store';
import { createFfmpegMediaTool } from './adapters/media';
import { Anchorer } from './services/anchorer';
import { JobRunner } from './services/jobs/job-runner';
import { createMediaJobs, enqueueProbe } from './services/media/media-jobs';
import { createIngest } from './services/ingest';
import { createProofs } from './services/proofs';
import { createApp } from './http/app';
import { createStorageReserve } from './services/storage-reserve';
import { freeBytes } from './adapters/disk/free-space';
import type { AppComponents } from './http/components';

export interface StartOptions {
  logger?: Logger;
  /** Test hook: wrap the real chain adapter, e.g. to simulate an outage. */
  wrapChain?: (chain: ChainAnchor) => ChainAnchor;
  /** Test hook: wrap the real content store, e.g. to simulate a full disk. */
  wrapContent?: (content: ContentStore) => ContentStore;
}

export interface Custos {
  config: Readonly<Config>;
  app: Koa;
  components: AppComponents;
  /** Where the admin token was written on first start. */
  adminTokenFile: string;
  close(): Promise<void>;
}

export const dataPaths = (dataDir: string) => ({
  database: join(dataDir, 'custos.db'),
  ipfs: join(dataDir, 'ipfs'),
  chain: join(dataDir, 'chain'),
  adminToken: join(dataDir, 'admin.token'),
  lock: join(dataDir, 'custos.lock'),
  /** Scratch space of running jobs; emptied at start-up. */
  work: join(dataDir, 'work'),
  /** Resumable (tus) uploads in flight: <id>.part + <id>.json. */
  uploads: join(dataDir, 'uploads'),
});

export async function startCustos(config: Readonly<Config>, options: StartOptions = {}): Promise<Custos> {
  const logger = options.logger ?? createLogger(config.logLevel, { service: 'custos' });
  const paths = dataPaths(config.dataDir);
  mkdirSync(config.dataDir, { recursive: true });
  const releaseLock = acquireDataDirLock(paths.lock);
  const closers: Array<() => Promise<void> | void> = [releaseLock];
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      for (const closer of [...closers].reverse()) {
        try {
          await closer();
        } catch (error) {
          logger.warn('error while shutting down', describeError(error));
        }
      }
    })());

  try {
    const db = openDatabase(paths.database);
    closers.push(() => {
      db.close();
    });
    const tokens = new TokenStore(db);
    ensureAdminToken(tokens, paths.adminToken, logger);

    const store = await createUnixfsStore({ directory: paths.ipfs });
    closers.push(() => store.close());
    await store.cleanStaging();
    const content: ContentStore = options.wrapContent ? options.wrapContent(store) : store;

    const log = new LogStore(db);
    const anchors = new AnchorStore(db);
    let chain = await connectChain(config, paths.chain, anchors, logger, closers);
    closers.push(() => chain.close());
    if (options.wrapChain) chain = options.wrapChain(chain);

    const anchorer = new Anchorer({
      log,
      anchors,
      chain,
      intervalMs: config.anchorIntervalMs,
      maxBackoffMs: config.anchorMaxBackoffMs,
      logger: logger.child({ component: 'anchorer' }),
    });
    anchorer.start();
    closers.push(() => anchorer.stop());

    const evidence = new EvidenceStore(db);
    const jobs = new JobStore(db);
    const devices = new DeviceStore(db);
    const recordings = new RecordingStore(db);
    const cases = new CaseStore(db);
    const custodyStore = new CustodyStore(db);
    const custody = createCustody({ db, log, custody: custodyStore });
    const notary = createNotary({ db, log, evidence, notarizations: new NotarizationStore(db), custody: custodyStore, chain, recover: recoverStatementSigner });
    const shares = new ShareStore(db);
    const reviews = new ReviewStore(db);
    // The case service asks the review chain before a case is decided; the review chain finds cases through it.
    let caseReview: CaseReview | undefined;
    const caseService = createCases({
      db,
      log,
      cases,
      evidence,
      custody,
      shares,
      actionTypes: config.cases.actionTypes,
      reviewComplete: (code) => caseReview!.complete(code),
    });
    caseReview = createCaseReview({ reviews, caseStore: cases, custody, cases: caseService, stages: config.cases.reviewStages, requireSignature: config.cases.requireReviewSignature });
    const media = new MediaStore(db);
    const renditions = new RenditionStore(db);
    const mediaTool = config.media.enabled ? await loadMediaTool(config, logger) : undefined;
    let runner: JobRunner | undefined;
    if (mediaTool) {
      runner = new JobRunner({
        jobs,
        handlers: createMediaJobs({
          db,
          log,
          evidence,
          media,
          renditions,
          jobs,
          content,
          tool: mediaTool,
          maxAttempts: config.jobs.maxAttempts,
          transcodeTimeoutMs: config.media.transcodeTimeoutMs,
          onEnqueued: () => runner?.wake(),
        }),
        concurrency: config.jobs.concurrency,
        retryBaseMs: config.jobs.retryBaseMs,
        retryMaxMs: config.jobs.retryMaxMs,
        workDir: paths.work,
        logger: logger.child({ component: 'jobs' }),
      });
      await runner.start();
      const started = runner;
      closers.push(() => started.stop());
    }

    const uploads = new UploadStore(paths.uploads, config.uploadExpiryMs);
    await uploads.init();
    await uploads.sweep();
    const sweepFailed = (error: unknown) => logger.warn('sweeping expired uploads failed', { component: 'uploads', ...describeError(error) });
    closers.push(uploads.startSweeping(Math.min(config.uploadExpiryMs, 10 * 60_000), sweepFailed));

    const storage = createStorageReserve({ dataDir: config.dataDir, minFreeBytes: config.minFreeBytes, freeBytes });
    const space = await storage.status();
    // Said at start, not only at the first refused upload: an operator starting the service can act on it now.
    if (!space.ok) logger.warn('free disk space is below the reserve: uploads will be refused (507 STORAGE_FULL)', { component: 'storage', ...space, dataDir: config.dataDir });

    const base: Omit<AppComponents, 'casePackages' | 'audits' | 'auditor'> = {
      config,
      db,
      log,
      evidence,
      anchors,
      tokens,
      content,
      chain,
      anchorer,
      jobs,
      media,
      renditions,
      mediaTool,
      jobRunner: runner,
      uploads,
      storage,
      devices,
      deviceRegistry: createDeviceRegistry({ db, log, devices }),
      cases,
      caseService,
      caseReview,
      shares,
      caseShares: createCaseShares({ db, shares, tokens, custody, cases: caseService }),
      custody,
      custodyStore,
      recordings,
      recordingService: createRecordings({
        db,
        log,
        recordings,
        devices,
        anchors,
        content,
        chain,
        requireSignatureFor: config.requireDeviceSignatureFor,
        maxSegmentBytes: config.maxUploadBytes,
      }),
      ingest: createIngest({
        db,
        log,
        evidence,
        content,
        maxUploadBytes: config.maxUploadBytes,
        checkSignature: (request) => checkDeviceSignature(devices, config.requireDeviceSignatureFor, request),
        // Enqueued even without a usable ffmpeg: the probe then waits for one, it is never skipped.
        onRecorded: config.media.enabled ? (event) => enqueueProbe(jobs, event, config.jobs.maxAttempts) : undefined,
        afterRecorded: () => runner?.wake(),
      }),
      notary,
      buildProofBundle: createProofs({ log, anchors, notarizationsFor: (leaf) => notary.proofsFor(leaf) }),
      logger,
    };
    const audits = new AuditStore(db);
    const auditor = new Auditor({
      db,
      log,
      anchors,
      audits,
      evidence,
      renditions,
      recordings,
      content,
      chain,
      maxBytesPerSecond: config.audit.maxBytesPerSecond,
      logger: logger.child({ component: 'audit' }),
    });
    auditor.start();
    closers.push(() => auditor.stop());
    closers.push(startAuditSchedule(config.audit, auditor, audits, logger.child({ component: 'audit-schedule' })));
    const components: AppComponents = { ...base, casePackages: createCasePackages(base), audits, auditor };
    const app = createApp(components);
    app.on('error', (error: unknown) => logger.error('response stream failed', describeError(error)));
    return { config, app, components, adminTokenFile: paths.adminToken, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * ffmpeg/ffprobe for the media pipeline. Without them the service still takes
 * and anchors evidence (that never depends on media tools); probe jobs stay
 * queued until a binary is configured.
 */
async function loadMediaTool(config: Readonly<Config>, logger: Logger): Promise<MediaTool | undefined> {
  try {
    const tool = await createFfmpegMediaTool({ ffmpegPath: config.media.ffmpegPath, ffprobePath: config.media.ffprobePath });
    logger.info('media tools ready', { component: 'media', source: tool.info.source, ffmpeg: tool.info.ffmpegVersion, ffmpegPath: tool.info.ffmpegPath });
    return tool;
  } catch (error) {
    logger.error('no usable ffmpeg/ffprobe: evidence is stored and anchored, media jobs wait until one is configured', { component: 'media', ...describeError(error) });
    return undefined;
  }
}

/** The embedded anvil by default; any EVM JSON-RPC chain when one is configured. */
async function connectChain(
  config: Readonly<Config>,
  directory: string,
  anchors: AnchorStore,
  logger: Logger,
  closers: Array<() => Promise<void> | void>,
): Promise<ChainAnchor> {
  const { rpcUrl, contract, anchorerKeyFile, rpcTimeoutMs, embeddedPort } = config.chain;
  if (rpcUrl !== undefined && contract !== undefined && anchorerKeyFile !== undefined) {
    return createEthersChainAnchor({ rpcUrl, contract, signerKey: readPrivateKeyFile(anchorerKeyFile), timeoutMs: rpcTimeoutMs });
  }
  mkdirSync(directory, { recursive: true });
  const embedded = await startEmbeddedChain({ directory, port: embeddedPort });
  closers.push(() => embedded.stop());
  if (embedded.redeployed) {
    // The embedded chain lost its state (e.g. killed before its first state dump): anchor everything again.
    logger.warn('embedded chain lost its contract; redeployed, the whole log will be anchored again', { contract: embedded.contract });
    anchors.forgetAll();
  }
  logger.info('embedded chain ready', { component: 'chain', chainId: embedded.chainId, contract: embedded.contract, rpcUrl: embedded.rpcUrl });
  return createEthersChainAnchor({
    rpcUrl: embedded.rpcUrl,
    contract: embedded.contract,
    signerKey: embedded.signerKey,
    timeoutMs: rpcTimeoutMs,
    fromBlock: embedded.deploymentBlock,
  });
}

/** On first start there is no token at all: mint an admin token and hand it over through a 0600 file, never the log. */
function ensureAdminToken(tokens: TokenStore, file: string, logger: Logger): void {
  if (tokens.count() > 0) return;
  const { secret } = tokens.create('admin', 'admin');
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'w' });
  logger.info('created the first admin token', { file });
}

export interface RunningServer {
  custos: Custos;
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Starts the service and listens on config.host:config.port (0 = any free port). */
export async function serve(config: Readonly<Config>, options: StartOptions = {}): Promise<RunningServer> {
  const custos = await startCustos(config, options);
  // Room for the Custos-Metadata header on top of ordinary headers.
  const handle = custos.app.callback();
  const server = createServer({ maxHeaderSize: config.maxMetadataBytes + 16 * 1024 }, handle);
  server.on('checkContinue', continueWhenBodyIsRead(handle));
  server.requestTimeout = 0; // multi-GB uploads over slow links must not be cut by a global timeout
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (cause) {
    await custos.close();
    throw new AppError('CONFIG_INVALID', `cannot listen on ${config.host}:${config.port}`, { cause });
  }
  const { port } = server.address() as AddressInfo;
  const url = serviceUrl(config.host, port);
  return {
    custos,
    server,
    url,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await custos.close();
    },
  };
}
