// Loads the rule files named by MESHSCOPE_RULES_FILE: comma-separated paths or glob patterns, relative
// to the current directory. All or nothing, as Prometheus reloads: if any file is missing or invalid the
// load fails with every problem listed, so the caller keeps the rules it has.

import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { RuleGroup } from './model.js';
import { readRuleFile } from './rule-file.js';

export interface LoadedRules {
  groups: RuleGroup[];
  /** The files read, in load order (sorted within each pattern, duplicates dropped). */
  files: string[];
}

/** A failed load; `problems` holds one line per problem, each naming its file. */
export class RuleLoadError extends Error {
  override name = 'RuleLoadError';

  constructor(readonly problems: string[]) {
    super(`invalid rule files:\n  ${problems.join('\n  ')}`);
  }
}

const GLOB_CHARS = /[*?[]/;

/** Reads every file the patterns name; rejects with RuleLoadError if any pattern or file is bad. */
export async function loadRuleFiles(patterns: string, defaultIntervalMs: number): Promise<LoadedRules> {
  const problems: string[] = [];
  const files: string[] = [];
  for (const pattern of splitPatterns(patterns)) {
    // A plain path must exist; reading it reports a missing file. A glob may match nothing.
    const matches = GLOB_CHARS.test(pattern) ? await globFiles(pattern) : [pattern];
    for (const file of matches) if (!files.includes(file)) files.push(file);
  }
  const groups: RuleGroup[] = [];
  for (const file of files) {
    const result = await readRuleFile(file, defaultIntervalMs);
    problems.push(...result.errors);
    groups.push(...result.groups);
  }
  if (problems.length > 0) throw new RuleLoadError(problems);
  return { groups, files };
}

function splitPatterns(patterns: string): string[] {
  return patterns
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/**
 * The regular files matching a glob pattern, sorted. `*` and `?` match within one path segment, `[abc]`,
 * `[a-z]` and `[!abc]` match one character of a class, `**` matches any number of directories (at the
 * end: every file below). Only the directories the pattern can reach are read; `**` does not follow
 * symbolic links (they may loop).
 */
export async function globFiles(pattern: string): Promise<string[]> {
  const segments = pattern.split(/[/\\]+/);
  const firstGlob = segments.findIndex((s) => GLOB_CHARS.test(s));
  const baseSegments = segments.slice(0, firstGlob);
  const base = baseSegments.length === 0 ? '' : baseSegments.join('/') || '/';
  const found = new Set<string>();
  await walk(base, segments.slice(firstGlob), found);
  return [...found].sort();
}

async function walk(dir: string, rest: string[], found: Set<string>): Promise<void> {
  const [segment, ...remaining] = rest;
  if (segment === undefined) return;
  const entries = await listDirectory(dir);
  if (segment === '**') {
    // A trailing `**` means every file below.
    if (remaining.length === 0) return walk(dir, ['**', '*'], found);
    await walk(dir, remaining, found);
    for (const entry of entries) {
      if (entry.isDirectory()) await walk(join(dir, entry.name), rest, found);
    }
    return;
  }
  const matcher = segmentMatcher(segment);
  for (const entry of entries) {
    if (!matcher.test(entry.name)) continue;
    const child = join(dir, entry.name);
    const kind = await kindOf(child);
    if (remaining.length === 0 && kind === 'file') found.add(child);
    if (remaining.length > 0 && kind === 'directory') await walk(child, remaining, found);
  }
}

/** A directory that cannot be read (missing, not a directory, no permission) simply matches nothing. */
async function listDirectory(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir === '' ? '.' : dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** What a path is once symbolic links are followed. */
async function kindOf(file: string): Promise<'file' | 'directory' | 'other'> {
  try {
    const info = await stat(file);
    return info.isFile() ? 'file' : info.isDirectory() ? 'directory' : 'other';
  } catch {
    return 'other';
  }
}

function join(dir: string, name: string): string {
  return dir === '' ? name : path.posix.join(dir, name);
}

/** A RegExp for one path segment of a glob. */
function segmentMatcher(segment: string): RegExp {
  let source = '';
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i]!;
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else if (char === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) {
        source += '\\[';
        continue;
      }
      const body = segment.slice(i + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      const members = (negated ? body.slice(1) : body).replace(/[\\\]^]/g, '\\$&');
      source += `[${negated ? '^' : ''}${members}]`;
      i = close;
    } else source += char.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}
