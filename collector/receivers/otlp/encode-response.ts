// Export{Trace,Logs,Metrics}ServiceResponse, the body of every successful OTLP answer. The three share
// one wire layout (partial_success = 1 { int64 rejected_<items> = 1; string error_message = 2; }) and
// differ only in the JSON name of the count. As the specification asks, a fully accepted request gets an
// unset partial_success; rejected = 0 with a message is a warning, which the specification allows.

export type ExportSignal = 'traces' | 'logs' | 'metrics';

const REJECTED_JSON_NAME = {
  traces: 'rejectedSpans',
  logs: 'rejectedLogRecords',
  metrics: 'rejectedDataPoints',
} as const satisfies Record<ExportSignal, string>;

/** The response in OTLP/JSON: proto3 JSON leaves out default values and writes int64 as a string. */
export interface ExportResponseJson {
  partialSuccess?: {
    rejectedSpans?: string;
    rejectedLogRecords?: string;
    rejectedDataPoints?: string;
    errorMessage?: string;
  };
}

export interface EncodedExportResponse {
  protobuf: Buffer;
  json: ExportResponseJson;
}

/** Encodes the response for `rejected` refused items (spans, log records or data points). */
export function encodeExportResponse(signal: ExportSignal, rejected: number, errorMessage: string): EncodedExportResponse {
  if (!Number.isSafeInteger(rejected) || rejected < 0) throw new RangeError(`rejected count must be a count, got ${rejected}`);
  if (rejected === 0 && errorMessage === '') return { protobuf: Buffer.alloc(0), json: {} };
  return { protobuf: partialSuccessProtobuf(rejected, errorMessage), json: partialSuccessJson(signal, rejected, errorMessage) };
}

function partialSuccessJson(signal: ExportSignal, rejected: number, errorMessage: string): ExportResponseJson {
  const partialSuccess: NonNullable<ExportResponseJson['partialSuccess']> = {};
  if (rejected > 0) partialSuccess[REJECTED_JSON_NAME[signal]] = String(rejected);
  if (errorMessage !== '') partialSuccess.errorMessage = errorMessage;
  return { partialSuccess };
}

const TAG_PARTIAL_SUCCESS = 0x0a; // field 1, length-delimited
const TAG_REJECTED = 0x08; // field 1, varint
const TAG_ERROR_MESSAGE = 0x12; // field 2, length-delimited

function partialSuccessProtobuf(rejected: number, errorMessage: string): Buffer {
  const inner: number[] = [];
  if (rejected > 0) inner.push(TAG_REJECTED, ...varint(rejected));
  const text = Buffer.from(errorMessage, 'utf8');
  if (text.length > 0) inner.push(TAG_ERROR_MESSAGE, ...varint(text.length));
  const head = Buffer.from([TAG_PARTIAL_SUCCESS, ...varint(inner.length + text.length), ...inner]);
  return Buffer.concat([head, text]);
}

/** Varint bytes of a non-negative safe integer (division, not bit shifts: counts may pass 2^32). */
function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}
