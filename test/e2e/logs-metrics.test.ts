// OTLP logs and metrics from the real SDK exporters are accepted and stored. Logs are read back through
// the log search API; metrics, until the Prometheus API exists, through the hub's own counters.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { context, trace } from '@opentelemetry/api';
import { getJson, startHub, type RunningHub } from './harness.js';

let hub: RunningHub;

before(async () => {
  hub = await startHub();
});

after(async () => {
  await hub.stop({ removeData: true });
});

async function acceptedCount(signal: string): Promise<number> {
  const text = await (await fetch(`${hub.queryUrl}/metrics`)).text();
  const match = new RegExp(`meshscope_receiver_accepted_items_total\\{receiver="otlp",transport="http",signal="${signal}"\\} (\\d+)`).exec(text);
  return match ? Number(match[1]) : 0;
}

test('log records from the OTLP log exporter are searchable and linked to their trace', async () => {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'logs-svc' }),
    processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${hub.otlpHttpUrl}/v1/logs` }) })],
  });
  const logger = provider.getLogger('e2e');
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const inTrace = trace.setSpanContext(context.active(), { traceId, spanId: '00f067aa0ba902b7', traceFlags: 1 });
  for (let index = 0; index < 3; index++) {
    logger.emit({ severityNumber: SeverityNumber.WARN, severityText: 'WARN', body: `payment retry ${index}`, attributes: { attempt: index }, context: inTrace });
  }
  logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: 'payment gave up after timeout', attributes: { 'order.id': 'o-77' } });
  await provider.forceFlush();
  await provider.shutdown();
  assert.equal(await acceptedCount('log_records'), 4);

  const retries = await getJson(`${hub.queryUrl}/api/logs?query=${encodeURIComponent('service:logs-svc payment retr* -gave')}`);
  assert.equal(retries.status, 200, JSON.stringify(retries.body));
  assert.deepEqual(retries.body.data.map((line: any) => line.body), ['payment retry 2', 'payment retry 1', 'payment retry 0']);
  assert.equal(retries.body.data[0].traceId, traceId);
  const errors = await getJson(`${hub.queryUrl}/api/logs?query=${encodeURIComponent('level:error order.id:o-77')}`);
  assert.deepEqual(errors.body.data.map((line: any) => line.body), ['payment gave up after timeout']);
  const traceLogs = await getJson(`${hub.queryUrl}/api/traces/${traceId}/logs`);
  assert.deepEqual(traceLogs.body.data.map((line: any) => line.body), ['payment retry 0', 'payment retry 1', 'payment retry 2']);
  const malformed = await getJson(`${hub.queryUrl}/api/logs?query=${encodeURIComponent('(payment')}`);
  assert.equal(malformed.status, 400);
  assert.match(JSON.stringify(malformed.body), /expected '\)'/);
});

test('bad input on the log endpoints is a 400 (or 404) with a message', async () => {
  const cases: [string, number, RegExp][] = [
    ['/api/logs?start=last-tuesday', 400, /start/],
    ['/api/logs?limit=5001', 400, /limit/],
    ['/api/logs?direction=sideways', 400, /direction/],
    ['/api/logs?query=' + encodeURIComponent('service:'), 400, /query:/],
    ['/api/logs/context?id=19700101:999999', 404, /./],
    ['/api/logs/context', 400, /id/],
    ['/api/traces/not-a-trace/logs', 400, /trace/i],
  ];
  for (const [path, status, message] of cases) {
    const response = await getJson(`${hub.queryUrl}${path}`);
    assert.equal(response.status, status, `${path}: ${JSON.stringify(response.body)}`);
    assert.match(JSON.stringify(response.body), message, path);
  }
});

test('metric points from the OTLP metric exporter are stored', async () => {
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: `${hub.otlpHttpUrl}/v1/metrics` }),
    exportIntervalMillis: 60_000,
  });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'metrics-svc' }), readers: [reader] });
  const meter = provider.getMeter('e2e');
  meter.createCounter('orders_placed').add(5, { region: 'eu' });
  meter.createHistogram('checkout.duration', { unit: 's' }).record(0.25, { region: 'eu' });
  meter.createUpDownCounter('queue.depth').add(7);
  // shutdown() collects and exports once; a forceFlush() before it would export the cumulative points twice.
  await provider.shutdown();
  assert.equal(await acceptedCount('metric_points'), 3);
});
