// The hub pointed at Debian's real Alertmanager with MESHSCOPE_ALERTMANAGER_URL: a rule over span metrics
// fires and Alertmanager lists the alert, example trace id included, as it would one from Prometheus.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { startAlertmanager, type GettableAlert, type RunningAlertmanager } from '../alertmanager/alertmanager-harness.js';
import { startHub, waitFor, type RunningHub } from './harness.js';
import { exportSpans, recordCheckoutTrace } from './sdk-fixtures.js';

const RULES = `groups:
  - name: payments
    rules:
      - alert: PaymentErrors
        expr: sum by (service) (traces_spanmetrics_calls_total{status_code="STATUS_CODE_ERROR"}) > 0
        labels:
          severity: page
`;

const ALERTMANAGER_CONFIG = `route:
  receiver: blackhole
receivers:
  - name: blackhole
`;

const dir = mkdtempSync(path.join(tmpdir(), 'meshscope-am-e2e-'));
let alertmanager: RunningAlertmanager;
let hub: RunningHub;

before(async () => {
  alertmanager = await startAlertmanager({ configYaml: ALERTMANAGER_CONFIG });
  const rulesFile = path.join(dir, 'rules.yml');
  writeFileSync(rulesFile, RULES);
  hub = await startHub({
    env: {
      MESHSCOPE_RULES_FILE: rulesFile,
      MESHSCOPE_RULE_INTERVAL: '1s',
      MESHSCOPE_SPAN_METRICS_INTERVAL: '1s',
      MESHSCOPE_ALERTMANAGER_URL: alertmanager.baseUrl,
    },
  });
});

after(async () => {
  await hub?.stop({ removeData: true });
  await alertmanager?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a firing rule reaches a real Alertmanager with its labels, generator URL and example trace', async () => {
  const recorded = recordCheckoutTrace('am');
  await exportSpans(new OTLPTraceExporter({ url: `${hub.otlpHttpUrl}/v1/traces` }), recorded.all);
  let alerts: GettableAlert[] = [];
  await waitFor(async () => (alerts = await alertmanager.listAlerts()).length > 0, 30_000, () => `${hub.output()}\n${alertmanager.output()}`);
  const [alert] = alerts;
  assert.deepEqual(alert!.labels, { alertname: 'PaymentErrors', service: 'am-payments', severity: 'page' });
  assert.equal(alert!.annotations.example_trace_ids, recorded.traceId);
  assert.equal(alert!.status.state, 'active');
  assert.match(alert!.generatorURL ?? '', new RegExp(`^${hub.queryUrl}/metrics\\?query=`));
  assert.ok(Date.parse(alert!.endsAt) > Date.now(), 'a firing alert ends in the future until it is resent or resolved');
});
