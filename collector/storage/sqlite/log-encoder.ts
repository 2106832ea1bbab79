// Encodes the log lines of a write batch into finished blocks (log-blocks.ts) on the calling thread, like
// span-encoder.ts does for spans. Structured clone of LogRecord objects was half the calling thread's
// per-line cost and, unpacked again, a fifth of the writer's; per-line strings still cost a copy each
// and a writer-side pass to assemble blocks. A few block strings per batch cross in one cheap copy, and
// the writer only resolves dictionary ids and inserts rows.
import type { InstrumentationScope, LogRecord, Resource } from '../../model/model.js';
import { logBodyText } from '../log-match.js';
import { encodeAttributes, encodeResource, encodeScope, logTimeUnixNano } from './codec.js';
import { attributeTokensOf } from './log-attribute-index.js';
import { buildBlocks, encodeLine, LineRun, type EncodedBlock } from './log-blocks.js';
import { Interner } from './span-encoder.js';

const NS_PER_DAY = 86_400_000_000_000n;

/** The lines of one batch as blocks. */
export interface EncodedLogs {
  count: number;
  blocks: EncodedBlock[];
  /** Each distinct resource / scope JSON of the batch once; the lines' refs index these lists. */
  resources: string[];
  scopes: string[];
}

export function encodeLogs(logs: readonly LogRecord[]): EncodedLogs {
  const resources: string[] = [];
  const scopes: string[] = [];
  const resourceInterner = new Interner<Resource>(resources, encodeResource);
  const scopeInterner = new Interner<InstrumentationScope>(scopes, encodeScope);
  const resourceTokens: string[][] = [];
  const days = new DayRuns();
  for (const log of logs) {
    const tsNs = logTimeUnixNano(log);
    const bodyText = logBodyText(log);
    const resourceRef = resourceInterner.indexOf(log.resource);
    const encoded = encodeLine(log, bodyText, encodeAttributes(log.attributes), resourceRef, scopeInterner.indexOf(log.scope));
    // A resource's attribute tokens once per batch: its lines share them.
    resourceTokens[resourceRef] ??= attributeTokensOf(log.resource.attributes);
    days.runOf(tsNs, log.serviceName).push(log, tsNs, encoded, bodyText, log.attributes, resourceTokens[resourceRef]);
  }
  const blocks: EncodedBlock[] = [];
  for (const run of days.runs()) blocks.push(...buildBlocks(run));
  return { count: logs.length, blocks, resources, scopes };
}

/**
 * The lines of a batch per (UTC day, service): blocks hold one service's lines of one day. A batch's
 * lines nearly always share a day, so the day of the previous line is tried first (BigInt division per
 * line was a measurable share of encoding).
 */
class DayRuns {
  private readonly days = new Map<bigint, Map<string, LineRun>>();
  private dayStartNs = 1n;
  private dayEndNs = 0n;
  private services = new Map<string, LineRun>();

  runOf(tsNs: bigint, serviceName: string): LineRun {
    if (tsNs < this.dayStartNs || tsNs >= this.dayEndNs) this.enterDay(tsNs);
    let run = this.services.get(serviceName);
    if (run === undefined) {
      run = new LineRun(serviceName);
      this.services.set(serviceName, run);
    }
    return run;
  }

  *runs(): Iterable<LineRun> {
    for (const services of this.days.values()) yield* services.values();
  }

  private enterDay(tsNs: bigint): void {
    const day = floorDiv(tsNs, NS_PER_DAY);
    this.dayStartNs = day * NS_PER_DAY;
    this.dayEndNs = this.dayStartNs + NS_PER_DAY;
    let services = this.days.get(day);
    if (services === undefined) {
      services = new Map();
      this.days.set(day, services);
    }
    this.services = services;
  }
}

function floorDiv(a: bigint, b: bigint): bigint {
  const quotient = a / b;
  return a < 0n && quotient * b !== a ? quotient - 1n : quotient;
}
