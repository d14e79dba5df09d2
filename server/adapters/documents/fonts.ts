/**
 * The CJK font the printed documents embed. Chinese text needs a font that
 * has the glyphs; the PDF's standard 14 fonts do not, and a viewer's
 * substitute would make a legal document look different on every machine.
 * So the font is embedded (pdfkit subsets it: only the glyphs used).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AppError } from '../../core/errors';

export interface FontFile {
  path: string;
  /** The face's PostScript name inside a .ttc collection; undefined for a single-font file. */
  face?: string;
}

export interface CjkFonts {
  regular: FontFile;
  bold: FontFile;
  source: 'package' | 'system';
}

/** Names the documents use with doc.font(...). */
export const FONT = { regular: 'custos-cjk-regular', bold: 'custos-cjk-bold' } as const;

/**
 * OpenType "half widths": Noto Sans CJK's monospaced Latin. Hashes and ids set
 * with it line up column by column, and the font stays the one embedded font
 * (a standard Courier would be the only font a reader has to substitute).
 */
export const MONO_FEATURES: PDFKit.Mixins.OpenTypeFeatures[] = ['hwid'];

const PACKAGE = '@embedpdf/fonts-sc';

/** Debian/Ubuntu (fonts-noto-cjk), Fedora, Arch: the Simplified Chinese face of the collection. */
export const SYSTEM_FONT_CANDIDATES: readonly CjkFonts[] = [
  '/usr/share/fonts/opentype/noto',
  '/usr/share/fonts/google-noto-cjk',
  '/usr/share/fonts/noto-cjk',
].map((dir) => ({
  regular: { path: join(dir, 'NotoSansCJK-Regular.ttc'), face: 'NotoSansCJKsc-Regular' },
  bold: { path: join(dir, 'NotoSansCJK-Bold.ttc'), face: 'NotoSansCJKsc-Bold' },
  source: 'system' as const,
}));

export interface FindCjkFontsOptions {
  /** The font package's directory; throws when it is not installed. */
  packageDir?: () => string;
  systemCandidates?: readonly CjkFonts[];
}

/** The npm font package first (same glyphs everywhere), else a system Noto CJK; throws CONFIG_INVALID listing what was tried. */
export function findCjkFonts(options: FindCjkFontsOptions = {}): CjkFonts {
  const tried: string[] = [];
  try {
    const dir = (options.packageDir ?? fontPackageDir)();
    const fonts: CjkFonts = {
      regular: { path: join(dir, 'fonts', 'NotoSansHans-Regular.otf') },
      bold: { path: join(dir, 'fonts', 'NotoSansHans-Bold.otf') },
      source: 'package',
    };
    if (existsSync(fonts.regular.path) && existsSync(fonts.bold.path)) return fonts;
    tried.push(fonts.regular.path);
  } catch (error) {
    tried.push(`${PACKAGE} (${error instanceof Error ? error.message : String(error)})`);
  }
  for (const candidate of options.systemCandidates ?? SYSTEM_FONT_CANDIDATES) {
    tried.push(candidate.regular.path);
    if (!existsSync(candidate.regular.path)) continue;
    // A regular-only install still prints every character; headings just lose their weight.
    return existsSync(candidate.bold.path) ? candidate : { ...candidate, bold: candidate.regular };
  }
  throw new AppError('CONFIG_INVALID', `no Chinese font for printed documents: install ${PACKAGE} (npm ci) or the system package fonts-noto-cjk`, {
    details: { tried },
  });
}

let cached: CjkFonts | undefined;

/** findCjkFonts() once per process. */
export function cjkFonts(): CjkFonts {
  cached ??= findCjkFonts();
  return cached;
}

/** Registers FONT.regular and FONT.bold on a document and selects the regular weight. */
export function registerCjkFonts(doc: PDFKit.PDFDocument, fonts: CjkFonts = cjkFonts()): void {
  doc.registerFont(FONT.regular, fonts.regular.path, fonts.regular.face);
  doc.registerFont(FONT.bold, fonts.bold.path, fonts.bold.face);
  doc.font(FONT.regular);
}

/**
 * The package's "exports" hide its package.json, so the directory is found
 * from its main entry by walking up to the package.json that names it.
 */
function fontPackageDir(): string {
  try {
    return dirname(require.resolve(`${PACKAGE}/package.json`));
  } catch {
    // ERR_PACKAGE_PATH_NOT_EXPORTED: fall through to the main entry.
  }
  for (let dir = dirname(require.resolve(PACKAGE)); dirname(dir) !== dir; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE) return dir;
  }
  throw new Error(`cannot find the directory of ${PACKAGE}`);
}
