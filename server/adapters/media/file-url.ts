import { resolve } from 'node:path';

/**
 * ffmpeg reads "name:rest" as a protocol URL: a path like "concat:a|b" or
 * "http://..." would open something else, and one starting with "-" would be
 * read as an option. "file:" plus an absolute path always means that file.
 */
export function fileUrl(path: string): string {
  return `file:${resolve(path)}`;
}
