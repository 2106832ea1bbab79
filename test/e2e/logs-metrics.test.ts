// OTLP logs and metrics from the real SDK exporters are accepted and stored; until the log and metric
// query APIs exist, the hub's own counters are the observable proof.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { startHub, type RunningHub } from './harness.js';

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

test('log records from the OTLP log exporter are stored', async () => {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'logs-svc' }),
    processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${hub.otlpHttpUrl}/v1/logs` }) })],
  });
  const logger = provider.getLogger('e2e');
  for (let index = 0; index < 3; index++) {
    logger.emit({ severityNumber: SeverityNumber.WARN, severityText: 'WARN', body: `payment retry ${index}`, attributes: { attempt: index } });
  }
  await provider.forceFlush();
  await provider.shutdown();
  assert.equal(await acceptedCount('log_records'), 3);
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
