// PromQL failures typed the way the Prometheus HTTP API reports them (`errorType` in its JSON envelope),
// so a route can answer exactly as Prometheus would: bad_data -> 400, execution -> 422.

export type PromqlErrorType = 'bad_data' | 'execution';

const HTTP_STATUS: Record<PromqlErrorType, number> = { bad_data: 400, execution: 422 };

export class PromqlError extends Error {
  constructor(
    readonly errorType: PromqlErrorType,
    message: string,
  ) {
    super(message);
    this.name = 'PromqlError';
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.errorType];
  }
}

/** A parse error carrying Prometheus' "line:col: parse error: ..." prefix. */
export function parseError(query: string, offset: number, detail: string): PromqlError {
  return new PromqlError('bad_data', `${positionOf(query, offset)}: parse error: ${detail}`);
}

export function executionError(message: string): PromqlError {
  return new PromqlError('execution', message);
}

/** 1-based line and column of a character offset, as Prometheus prints positions. */
function positionOf(query: string, offset: number): string {
  const before = query.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return `${line}:${column}`;
}
