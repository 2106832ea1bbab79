// The tailer's read positions on disk, so a restarted agent resumes where the last one stopped (Fluent
// Bit's `DB`, the OTel filelog receiver's storage extension). Files are keyed by (device, inode) because a
// path changes on rotation while the inode follows the content; the path and the first bytes of the file
// ride along, so a reused inode with different content is not mistaken for the old file.

import { open, readFile, rename } from 'node:fs/promises';

export interface TailPosition {
  /** `${dev}:${ino}` */
  key: string;
  path: string;
  /** Bytes of the file already delivered. */
  offset: number;
  /** Base64 of the file's first bytes when the position was taken (up to HEAD_BYTES). */
  head: string;
}

interface PositionsDocument {
  version: 1;
  files: TailPosition[];
}

/** The saved positions by key; an absent file means a first run (undefined), a corrupt one is an error. */
export async function loadPositions(file: string): Promise<Map<string, TailPosition> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const document = JSON.parse(text) as PositionsDocument;
  if (document.version !== 1 || !Array.isArray(document.files)) {
    throw new Error(`${file}: not a Meshscope positions file`);
  }
  return new Map(document.files.map((position) => [position.key, position]));
}

/**
 * Writes all positions atomically: a temporary file, flushed to disk, renamed over the old one, so a
 * crash leaves either the old or the new document, never half of one.
 */
export async function savePositions(file: string, positions: Iterable<TailPosition>): Promise<void> {
  const document: PositionsDocument = { version: 1, files: [...positions] };
  const temporary = `${file}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(JSON.stringify(document));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
}
