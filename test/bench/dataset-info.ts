// What generate-dataset.ts writes beside the store for query-bench.ts: ids and words known to exist.

export const DATASET_FILE = 'bench-dataset.json';

export interface DatasetInfo {
  spans: number;
  logs: number;
  series: number;
  /** The generator's "now": spans and logs lie in the 24 h before it, samples in the 2 h before it. */
  endUnixMs: number;
  /** A uniform sample of the generated trace ids. */
  traceIds: string[];
  services: string[];
  /** Words in a large share of the log lines. */
  commonWords: string[];
  /** Words in about one line in 100,000. */
  rareWords: string[];
  /** The counter family every series belongs to. */
  metric: string;
}
