// The log lines the Elasticsearch log benchmarks write: realistic bodies, severities, attributes and
// resources, the same for the search and the count benchmark so their figures describe one data set.
import type { LogRecord } from '../../model/model.js';

const SERVICES = ['frontend', 'cart', 'checkout', 'payment', 'shipping'];
const MESSAGES = [
  'GET /api/cart 200 in 12 ms',
  'payment declined: card expired for order ord-{n}',
  'cache miss for key user:{n}',
  'retrying request to inventory-service attempt {n}',
  'checkout-complete order ord-{n} total 42.50 EUR',
];

/** Line i of totalLines spread evenly over the hour from startNs: five services, five message shapes. */
export function benchLogLine(i: number, startNs: bigint, totalLines: number): LogRecord {
  const service = SERVICES[i % SERVICES.length];
  const timeUnixNano = startNs + BigInt(Math.floor((i / totalLines) * 3_600_000)) * 1_000_000n;
  return {
    timeUnixNano,
    observedTimeUnixNano: timeUnixNano + 2_000_000n,
    severityNumber: [9, 9, 9, 13, 17][i % 5],
    severityText: ['INFO', 'INFO', 'INFO', 'WARN', 'ERROR'][i % 5],
    body: { type: 'string', value: MESSAGES[(i * 7) % MESSAGES.length].replace('{n}', String(i % 5000)) },
    attributes: [
      { key: 'http.route', value: { type: 'string', value: `/api/${service}` } },
      { key: 'user.id', value: { type: 'string', value: `user-${i % 1000}` } },
    ],
    droppedAttributesCount: 0,
    flags: 1,
    traceId: (i % 50_000).toString(16).padStart(32, '0'),
    spanId: i.toString(16).padStart(16, '0'),
    eventName: '',
    serviceName: service,
    resource: {
      attributes: [
        { key: 'service.name', value: { type: 'string', value: service } },
        { key: 'service.instance.id', value: { type: 'string', value: `${service}-${i % 3}` } },
      ],
      droppedAttributesCount: 0,
    },
    scope: { name: 'bench', version: '1', attributes: [] },
  };
}
