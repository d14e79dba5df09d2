/** What the HTTP layer is given: wired once in server/runtime.ts. */
import type { Config } from '../config';
import type { ChainAnchor, ContentStore, MediaTool } from '../ports';
import type { JobStore } from '../adapters/db/job-store';
import type { UploadStore } from '../adapters/uploads/upload-store';
import type { MediaStore, RenditionStore } from '../adapters/db/media-store';
import type { JobRunner } from '../services/jobs/job-runner';
import type { DeviceStore } from '../adapters/db/device-store';
import type { DeviceRegistry } from '../services/devices';
import type { RecordingStore } from '../adapters/db/recording-store';
import type { CaseStore } from '../adapters/db/case-store';
import type { Cases } from '../services/cases';
import type { CaseShares } from '../services/case-shares';
import type { CaseReview } from '../services/case-review';
import type { Notary } from '../services/notary';
import type { CasePackages } from '../services/case-package';
import type { AuditStore } from '../adapters/db/audit-store';
import type { Auditor } from '../services/audit/auditor';
import type { ShareStore } from '../adapters/db/share-store';
import type { Custody } from '../services/custody';
import type { CustodyStore } from '../adapters/db/custody-store';
import type { Recordings } from '../services/recordings';
import type { AnchorStore } from '../adapters/db/anchor-store';
import type { EvidenceStore } from '../adapters/db/evidence-store';
import type { LogStore } from '../adapters/db/log-store';
import type { TokenStore } from '../adapters/db/token-store';
import type { Db } from '../adapters/db/database';
import type { Anchorer } from '../services/anchorer';
import type { Ingest } from '../services/ingest';
import type { BuildProofBundle } from '../services/proofs';
import type { Logger } from '../logger';
import type { StorageReserve } from '../services/storage-reserve';

export interface AppComponents {
  config: Readonly<Config>;
  db: Db;
  log: LogStore;
  evidence: EvidenceStore;
  anchors: AnchorStore;
  tokens: TokenStore;
  content: ContentStore;
  chain: ChainAnchor;
  anchorer: Anchorer;
  jobs: JobStore;
  media: MediaStore;
  renditions: RenditionStore;
  /** Absent when media processing is off or no ffmpeg could be found. */
  mediaTool?: MediaTool;
  jobRunner?: JobRunner;
  devices: DeviceStore;
  deviceRegistry: DeviceRegistry;
  cases: CaseStore;
  caseService: Cases;
  caseShares: CaseShares;
  caseReview: CaseReview;
  notary: Notary;
  casePackages: CasePackages;
  audits: AuditStore;
  auditor: Auditor;
  shares: ShareStore;
  custody: Custody;
  custodyStore: CustodyStore;
  recordings: RecordingStore;
  recordingService: Recordings;
  /** Resumable (tus) uploads in flight, under <dataDir>/uploads. */
  uploads: UploadStore;
  /** Free disk space: admission of uploads, and /healthz. */
  storage: StorageReserve;
  ingest: Ingest;
  buildProofBundle: BuildProofBundle;
  logger: Logger;
}
