/** The portal's words, in Chinese and English; the language is switchable and remembered. */
export type Lang = 'zh' | 'en';

const STRINGS = {
  title: { zh: 'Custos 电子证据核验', en: 'Custos evidence verification' },
  intro: {
    zh: '在本机计算文件的 SHA-256，文件不会离开您的电脑；再核对它在只增不改的日志中的记录和链上锚定。',
    en: 'Your file is hashed here, in this browser, and never leaves your computer; its record in the append-only log and its on-chain anchor are then checked.',
  },
  switchLang: { zh: 'English', en: '中文' },
  switchLangLabel: { zh: 'Switch to English', en: '切换到中文' },
  verifyFile: { zh: '核验文件', en: 'Verify a file' },
  dropFile: { zh: '将录音录像文件拖到这里，或点击选择（任意大小）', en: 'Drop a recording here, or choose one (any size)' },
  verifyBundle: { zh: '核验证明文件（JSON）', en: 'Verify a proof bundle (JSON)' },
  dropBundle: { zh: '选择 custos.proof/v1 证明文件', en: 'Choose a custos.proof/v1 bundle' },
  hashing: { zh: '正在本机计算 SHA-256…', en: 'Computing SHA-256 in this browser…' },
  expected: { zh: '待核对的登记记录', en: 'The registered record to compare with' },
  expectedHint: { zh: '请选择您持有的文件，与此记录核对。', en: 'Choose the file you hold to compare it with this record.' },
  verified: { zh: '核验通过：文件与登记记录一致，且已上链锚定。', en: 'Verified: the file is the registered recording, anchored on chain.' },
  notVerified: { zh: '核验未通过', en: 'Not verified' },
  notRegistered: { zh: '未找到该文件的登记记录：此文件（或其任何一个字节）未在本系统登记。', en: 'This file is not registered: no evidence has this SHA-256 (a single changed byte makes a different file).' },
  sha256: { zh: '文件 SHA-256', en: 'File SHA-256' },
  evidence: { zh: '证据编号', en: 'Evidence' },
  anchor: { zh: '链上锚定', en: 'On-chain anchor' },
  block: { zh: '区块', en: 'Block' },
  transaction: { zh: '交易', en: 'Transaction' },
  anchoredAt: { zh: '锚定时间', en: 'Anchored at' },
  localCheck: { zh: '本机核对包含证明', en: 'Inclusion proof checked in this browser' },
  localCheckOk: { zh: '由事件重新计算的叶哈希经包含证明得到锚定的根哈希', en: 'the leaf hash recomputed from the event leads through the proof to the anchored root' },
  localCheckFail: { zh: '包含证明未能得到证明中的根哈希', en: 'the inclusion proof does not lead to the bundle’s root' },
  contentHash: { zh: '文件内容', en: 'File content' },
  contentHashOk: { zh: '文件的 SHA-256 与登记一致', en: 'the file’s SHA-256 is the registered one' },
  contentHashFail: { zh: '文件的 SHA-256 与登记不一致：文件已被改动', en: 'the file’s SHA-256 differs from the registered one: the file was altered' },
  badJson: { zh: '不是有效的 JSON 文件', en: 'Not a valid JSON file' },
  verifyPackage: { zh: '核验案卷证据包（ZIP）', en: 'Verify a case-file package (ZIP)' },
  dropPackage: { zh: '选择案卷证据包 ZIP（在本机解包核对）', en: 'Choose a case-file package ZIP (opened in this browser)' },
  packageVerified: { zh: '核验通过：清单与每项证据均与链上记录一致。', en: 'Verified: the manifest and every item match what is anchored on chain.' },
  caseCode: { zh: '行政行为码', en: 'Case (action code)' },
  manifest: { zh: '证据包清单', en: 'Package manifest' },
  signIn: { zh: '登录', en: 'Sign in' },
  signOut: { zh: '退出', en: 'Sign out' },
  token: { zh: '访问令牌', en: 'Access token' },
  signedInAs: { zh: '已登录', en: 'Signed in as' },
  caseSection: { zh: '案件', en: 'Case' },
  caseCodeInput: { zh: '行政行为码（27 位）', en: 'Action code (27 digits)' },
  purpose: { zh: '查看目的（将记入保管链）', en: 'Purpose of viewing (logged in the chain of custody)' },
  defaultPurpose: { zh: '案件审查', en: 'case review' },
  openCase: { zh: '打开案件', en: 'Open case' },
  status: { zh: '状态', en: 'Status' },
  review: { zh: '审核', en: 'Review' },
  downloadPackage: { zh: '下载案卷证据包', en: 'Download the case-file package' },
  evidenceList: { zh: '证据', en: 'Evidence' },
  reviewTrail: { zh: '审核记录', en: 'Review trail' },
  custody: { zh: '保管链', en: 'Chain of custody' },
  pending: { zh: '待上链', en: 'pending' },
  anchored: { zh: '已上链', en: 'anchored' },
  certified: { zh: '已公证', en: 'certified' },
  serverError: { zh: '无法连接核验服务', en: 'The verification service could not be reached' },
} as const;

/** What each server check means, in plain words. */
const CHECKS: Record<string, { zh: string; en: string }> = {
  registered: { zh: '已登记', en: 'Registered' },
  'bundle-format': { zh: '证明格式', en: 'Proof format' },
  'content-hash': { zh: '文件内容与登记一致', en: 'File matches the record' },
  'leaf-hash': { zh: '记录未被改动', en: 'Record unaltered' },
  inclusion: { zh: '记录在日志中', en: 'Record is in the log' },
  chain: { zh: '区块链与合约', en: 'Chain and contract' },
  anchor: { zh: '日志根已上链', en: 'Log root anchored on chain' },
  'anchor-transaction': { zh: '锚定交易', en: 'Anchoring transaction' },
  'chain-inclusion': { zh: '合约确认包含证明', en: 'Contract confirms the proof' },
  'device-signature': { zh: '设备签名', en: 'Device signature' },
  'derived-from': { zh: '派生自原始证据', en: 'Derived from the original' },
  'notary-witness': { zh: '公证处见证日志根', en: 'Head witnessed by a notary' },
  'notary-certificate': { zh: '公证保全证书', en: 'Notary certificate' },
  'local-inclusion': { zh: '本机核对包含证明', en: 'Inclusion proof (checked here)' },
  CONTENT_HASH_MISMATCH: { zh: '文件内容与登记不一致', en: 'file differs from the record' },
  MANIFEST_HASH_MISMATCH: { zh: '清单与登记的哈希不一致', en: 'manifest differs from the logged one' },
  MEDIA_MISSING: { zh: '缺少媒体文件', en: 'media file missing' },
  PROOF_MISSING: { zh: '缺少证明文件', en: 'proof missing' },
  NOT_ANCHORED: { zh: '尚未上链', en: 'not anchored' },
  'case.opened': { zh: '立案', en: 'case opened' },
  'case.packaged': { zh: '导出证据包', en: 'package exported' },
  'custody.attach': { zh: '关联证据', en: 'evidence attached' },
  'custody.detach': { zh: '解除关联', en: 'evidence detached' },
  'custody.status': { zh: '状态变更', en: 'status changed' },
  'custody.note': { zh: '备注', en: 'note' },
  'custody.read': { zh: '查阅', en: 'read' },
  'custody.share': { zh: '共享给法院', en: 'shared with a court' },
  'custody.unshare': { zh: '撤销共享', en: 'share revoked' },
  'custody.review': { zh: '审核决定', en: 'review decision' },
  'notary.certified': { zh: '公证', en: 'notarized' },
};

let current: Lang = (localStorage.getItem('custos.lang') as Lang | null) ?? (navigator.language.startsWith('zh') ? 'zh' : 'en');

export const lang = (): Lang => current;
export function setLang(next: Lang): void {
  current = next;
  localStorage.setItem('custos.lang', next);
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
}
export const t = (key: keyof typeof STRINGS): string => STRINGS[key][current];
export const checkLabel = (check: string): string => CHECKS[check]?.[current] ?? check;
