// Entry point of the writer thread. It owns the only write connection and commits in groups: every
// batch queued since the last commit goes into one transaction, then each batch is answered. Disk time
// is spent here, never on the HTTP event loop.
import type Database from 'better-sqlite3';
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { addBuckets, BatchInserter } from './batch-inserter.js';
import { openWriteConnection } from './connection.js';
import type { EncodedBatch, FromWorker, ToWorker, WriterWorkerData } from './protocol.js';
import { enforceRetention, StorageMeter } from './retention.js';
import { createSharedSchema } from './schema.js';

interface QueuedWrite {
  id: number;
  batch: EncodedBatch;
}

type RetentionRequest = Extract<ToWorker, { type: 'retention' }>;

function main(port: MessagePort, data: WriterWorkerData): void {
  const db = openWriteConnection(data.databasePath);
  db.function('add_buckets', { deterministic: true }, (stored, increment) =>
    addBuckets(String(stored), String(increment)),
  );
  createSharedSchema(db);
  const inserter = new BatchInserter(db);
  const meter = new StorageMeter(db);
  const queue: QueuedWrite[] = [];
  const retentionRequests: RetentionRequest[] = [];
  let flushScheduled = false;
  let closing = false;

  const accept = (message: ToWorker): void => {
    if (message.type === 'close') closing = true;
    else if (message.type === 'retention') retentionRequests.push(message);
    else queue.push({ id: message.id, batch: message.batch });
  };

  const flush = (): void => {
    flushScheduled = false;
    // Take whatever else has already arrived, so it joins this group instead of waiting for the next.
    for (let next = receiveMessageOnPort(port); next !== undefined; next = receiveMessageOnPort(port)) {
      accept(next.message as ToWorker);
    }
    if (queue.length > 0) commitGroup(inserter, queue.splice(0), port);
    // Between group commits: writes that arrive meanwhile wait for the next flush.
    for (const request of retentionRequests.splice(0)) runRetention(db, inserter, meter, request, port);
    if (closing) {
      db.close();
      port.close();
    }
  };

  port.on('message', (message: ToWorker) => {
    accept(message);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  });
  post(port, { type: 'ready' });
}

function commitGroup(inserter: BatchInserter, group: QueuedWrite[], port: MessagePort): void {
  try {
    inserter.insertGroup(group.map((write) => write.batch));
    post(port, { type: 'committed', ids: group.map((write) => write.id) });
  } catch (error) {
    if (group.length === 1) {
      post(port, { type: 'failed', ids: [group[0].id], message: messageOf(error) });
      return;
    }
    // One bad batch must not fail the others that happened to share its transaction.
    for (const write of group) commitGroup(inserter, [write], port);
  }
}

function runRetention(db: Database.Database, inserter: BatchInserter, meter: StorageMeter, request: RetentionRequest, port: MessagePort): void {
  try {
    const { result, droppedDays } = enforceRetention(db, request.cutoffs);
    // Cached statements of dropped days and ids of pruned series must not be used again.
    inserter.clearCaches();
    meter.forget(droppedDays);
    post(port, { type: 'retained', id: request.id, result, stats: meter.measure(request.nowMs) });
  } catch (error) {
    inserter.clearCaches();
    post(port, { type: 'retention-failed', id: request.id, message: messageOf(error) });
  }
}

function post(port: MessagePort, message: FromWorker): void {
  port.postMessage(message);
}

/** The message, prefixed with SQLite's result code when there is one (the caller classifies by it). */
function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
}

if (parentPort === null) throw new Error('writer-worker must run as a worker thread');
main(parentPort, workerData as WriterWorkerData);
