// Jaeger agent's compact-Thrift UDP port (6831), where older jaeger-client libraries send emitBatch
// datagrams. UDP has no answer, so nothing is acknowledged: bad datagrams are counted as rejected requests
// and datagrams arriving while too many are still being handed to the sink are dropped and counted, which
// bounds memory the way 503s do on the HTTP receivers.
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { DecodedTraces } from '../../model/model.js';
import type { IngestSink, ReceiverLabel } from '../../pipeline.js';
import type { SelfMetrics } from '../../telemetry/self-metrics.js';
import { decodeJaegerCompactEmitBatch } from './compact-emit-batch.js';
import { JaegerDecodeError } from './decode-jaeger-thrift.js';

const LABEL: ReceiverLabel = { receiver: 'jaeger', transport: 'udp' };

export interface JaegerUdpOptions {
  sink: IngestSink;
  metrics: SelfMetrics;
  /** Datagrams being handed to the sink at once; more are dropped. Default 256 (16 MiB at most). */
  maxPendingDatagrams?: number;
  log: (message: string) => void;
}

/** Socket receive buffer asked for, so bursts are not lost in the kernel (capped by net.core.rmem_max). */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

export class JaegerUdpReceiver {
  private socket: dgram.Socket | undefined;
  private pending = 0;

  constructor(private readonly options: JaegerUdpOptions) {}

  /** Binds and starts receiving; resolves with the bound port (useful with port 0). */
  bind(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', recvBufferSize: RECEIVE_BUFFER_BYTES });
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        socket.on('error', (error) => this.options.log(`jaeger udp receiver: ${error.message}`));
        socket.on('message', (datagram) => this.receive(datagram));
        this.socket = socket;
        resolve(socket.address().port);
      });
    });
  }

  /** Stops receiving; datagrams already decoded still reach the sink. Idempotent. */
  close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket === undefined) return Promise.resolve();
    return new Promise((resolve) => socket.close(() => resolve()));
  }

  private receive(datagram: Buffer): void {
    const { metrics, sink, log } = this.options;
    if (this.pending >= (this.options.maxPendingDatagrams ?? 256)) {
      metrics.refused.inc({ ...LABEL, signal: 'spans', reason: 'overloaded' });
      return;
    }
    let decoded: DecodedTraces;
    try {
      decoded = decodeJaegerCompactEmitBatch(datagram);
    } catch (error) {
      if (!(error instanceof JaegerDecodeError)) log(`jaeger udp receiver: ${(error as Error).message}`);
      metrics.rejectedRequests.inc({ ...LABEL, status: '400' });
      return;
    }
    this.pending++;
    sink.ingestTraces(decoded, LABEL).then(
      () => this.pending--,
      (error: unknown) => {
        this.pending--;
        log(`jaeger udp receiver: ${decoded.spans.length} spans lost: ${(error as Error).message}`);
      },
    );
  }
}
