// Alerting over HTTP: Prometheus' /api/v1/rules and /api/v1/alerts (the shapes Grafana reads), the
// rules API /api/alerts/rules (rule-file fields as JSON, so the UI can make a threshold alert without
// editing files) and Prometheus' lifecycle endpoint POST /-/reload for rule files.
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { MeshscopeError } from '../../collector/errors.js';
import type { AlertingApi } from '../../collector/alerting/alerting-api.js';
import type { ApiRuleInput, ListedRule } from '../../collector/alerting/alerting-service.js';
import type { GroupStatus, RuleStatus } from '../../collector/alerting/evaluator.js';
import type { AlertInstance } from '../../collector/alerting/model.js';
import { GO_ZERO_TIME } from '../../collector/alerting/go-compat.js';
import { formatGoFloat } from '../../collector/alerting/go-format.js';
import { formatPrometheusDuration } from '../../collector/model/prometheus-duration.js';
import { labelsMatch, type LabelMatcher } from '../promql/series-source.js';
import { clientErrorOf } from './client-error.js';
import { selectorMatchers } from './prometheus-routes.js';

export function alertingRoutes(api: AlertingApi): express.Router {
  const router = express.Router();

  router.get('/api/v1/rules', async (request, response) => {
    const filter = ruleFilter(request);
    const groups = (await api.groups()).filter((group) => filter.group(group)).map((group) => groupJson(group, filter));
    response.json({ status: 'success', data: { groups: groups.filter((group) => group.rules.length > 0 || !filter.narrowsRules) } });
  });

  router.get('/api/v1/alerts', async (_request, response) => {
    const alerts = (await api.alerts()).map((status) => alertJson(status.alert));
    response.json({ status: 'success', data: { alerts } });
  });

  router.post(['/-/reload', '/api/v1/-/reload'], async (_request, response) => {
    const status = await api.reload();
    if (status.successful) response.status(200).type('text/plain').send('rules reloaded\n');
    else response.status(500).type('text/plain').send(`failed to reload rules: ${status.lastError}\n`);
  });

  const rules = express.Router();
  rules.use(express.json({ limit: '256kb' }));
  rules.get('/', async (_request, response) => {
    response.json({ data: (await api.listRules()).map(ruleJson) });
  });
  rules.post('/', async (request, response) => {
    const created = await api.createRule(ruleInput(request.body));
    response.status(201).location(`/api/alerts/rules/${created.id}`).json({ data: ruleJson(created) });
  });
  rules.get('/:id', async (request, response) => {
    response.json({ data: ruleJson(await api.getRule(request.params.id!)) });
  });
  rules.put('/:id', async (request, response) => {
    response.json({ data: ruleJson(await api.updateRule(request.params.id!, ruleInput(request.body))) });
  });
  rules.delete('/:id', async (request, response) => {
    await api.deleteRule(request.params.id!);
    response.status(204).end();
  });
  rules.use(rulesErrorHandler);
  router.use('/api/alerts/rules', rules);
  router.use(['/api/v1/rules', '/api/v1/alerts', '/-/reload'], prometheusErrorHandler);
  return router;
}

// --- /api/v1/rules and /api/v1/alerts -------------------------------------------------------------

interface RuleFilter {
  type: 'alert' | 'record' | undefined;
  names: Set<string>;
  groups: Set<string>;
  files: Set<string>;
  matchers: LabelMatcher[][];
  excludeAlerts: boolean;
  /** True when a filter may drop rules, so empty groups are left out (Prometheus does the same). */
  narrowsRules: boolean;
  group(group: GroupStatus): boolean;
}

/** Prometheus' filters: type, rule_name[], rule_group[], file[], match[] and exclude_alerts. */
function ruleFilter(request: Request): RuleFilter {
  const values = (name: string) => [request.query[name] ?? []].flat().map(String);
  const rawType = String(request.query.type ?? '').toLowerCase();
  if (rawType !== '' && rawType !== 'alert' && rawType !== 'record') {
    throw new BadData(`invalid query parameter type='${rawType}': not supported value '${rawType}'`);
  }
  const excludeRaw = String(request.query.exclude_alerts ?? '');
  if (!['', 'true', 'false'].includes(excludeRaw)) {
    throw new BadData(`invalid parameter 'exclude_alerts': strconv.ParseBool: parsing ${JSON.stringify(excludeRaw)}: invalid syntax`);
  }
  let matchers: LabelMatcher[][];
  try {
    matchers = values('match[]').map(selectorMatchers);
  } catch (error) {
    throw new BadData((error as Error).message);
  }
  const filter = {
    type: rawType === '' ? undefined : (rawType as 'alert' | 'record'),
    names: new Set(values('rule_name[]')),
    groups: new Set(values('rule_group[]')),
    files: new Set(values('file[]')),
    matchers,
    excludeAlerts: excludeRaw === 'true',
  };
  return {
    ...filter,
    narrowsRules: filter.type !== undefined || filter.names.size > 0 || matchers.length > 0,
    group: (group) => (filter.groups.size === 0 || filter.groups.has(group.name)) && (filter.files.size === 0 || filter.files.has(groupFile(group))),
  };
}

function ruleSelected(rule: RuleStatus, filter: RuleFilter): boolean {
  if (filter.type === 'alert' && rule.rule.kind !== 'alerting') return false;
  if (filter.type === 'record' && rule.rule.kind !== 'recording') return false;
  if (filter.names.size > 0 && !filter.names.has(rule.rule.name)) return false;
  return filter.matchers.length === 0 || filter.matchers.some((matchers) => labelsMatch(matchers, rule.rule.labels));
}

function groupJson(group: GroupStatus, filter: RuleFilter) {
  return {
    name: group.name,
    file: groupFile(group),
    rules: group.rules.filter((rule) => ruleSelected(rule, filter)).map((rule) => ruleStatusJson(rule, filter.excludeAlerts)),
    interval: group.intervalMs / 1000,
    limit: group.limit,
    evaluationTime: group.evaluationTimeMs / 1000,
    lastEvaluation: timeJson(group.lastEvaluationMs),
  };
}

function ruleStatusJson(status: RuleStatus, excludeAlerts: boolean) {
  const common = {
    name: status.rule.name,
    query: status.rule.expr,
    labels: status.rule.labels,
    health: status.health,
    ...(status.lastError === '' ? {} : { lastError: status.lastError }),
    evaluationTime: status.evaluationTimeMs / 1000,
    lastEvaluation: timeJson(status.lastEvaluationMs),
  };
  if (status.rule.kind === 'recording') return { ...common, type: 'recording' };
  return {
    state: ruleState(status.alerts),
    name: common.name,
    query: common.query,
    duration: status.rule.forMs / 1000,
    keepFiringFor: status.rule.keepFiringForMs / 1000,
    labels: common.labels,
    annotations: status.rule.annotations,
    alerts: excludeAlerts ? [] : status.alerts.map(alertJson),
    health: common.health,
    ...(status.lastError === '' ? {} : { lastError: status.lastError }),
    evaluationTime: common.evaluationTime,
    lastEvaluation: common.lastEvaluation,
    type: 'alerting',
  };
}

/** A rule's state is its most severe alert's: firing over pending over inactive. */
function ruleState(alerts: AlertInstance[]): 'inactive' | 'pending' | 'firing' {
  if (alerts.some((alert) => alert.state === 'firing')) return 'firing';
  return alerts.length > 0 ? 'pending' : 'inactive';
}

function alertJson(alert: AlertInstance) {
  return {
    labels: alert.labels,
    // The same example traces the notifications carried, so the UI and Grafana can link them too.
    annotations: alert.exampleTraceIds.length === 0 ? alert.annotations : { ...alert.annotations, example_trace_ids: alert.exampleTraceIds.join(',') },
    state: alert.state,
    activeAt: timeJson(alert.activeAtMs),
    ...(alert.keepFiringSinceMs === 0 ? {} : { keepFiringSince: timeJson(alert.keepFiringSinceMs) }),
    // Prometheus prints alert values with Go's strconv.FormatFloat(v, 'e', -1, 64): 1e+00, 5.5e-02.
    value: formatGoFloat(alert.value, 'e', -1),
  };
}

function groupFile(group: GroupStatus): string {
  return group.source.kind === 'file' ? group.source.path : 'api';
}

function timeJson(ms: number): string {
  return ms === 0 ? GO_ZERO_TIME : new Date(ms).toISOString();
}

// --- /api/alerts/rules ------------------------------------------------------------------------------

const labelMap = z.record(z.string(), z.string());

const ruleInputSchema = z.strictObject({
  group: z.string().optional(),
  interval: z.string().optional(),
  alert: z.string().optional(),
  record: z.string().optional(),
  expr: z.string(),
  for: z.string().optional(),
  keep_firing_for: z.string().optional(),
  labels: labelMap.optional(),
  annotations: labelMap.optional(),
});

function ruleInput(body: unknown): ApiRuleInput {
  if (body === undefined || body === null || typeof body !== 'object') {
    throw new MeshscopeError('bad_request', 'expected a JSON object with the rule-file fields (alert or record, expr, for, labels, annotations)');
  }
  return ruleInputSchema.parse(body);
}

function ruleJson(listed: ListedRule) {
  const { rule } = listed;
  return {
    id: listed.id,
    source: listed.source,
    ...(listed.file === undefined ? {} : { file: listed.file }),
    readOnly: listed.readOnly,
    group: listed.group,
    interval: formatPrometheusDuration(listed.intervalMs),
    ...(rule.kind === 'alerting'
      ? {
          alert: rule.name,
          expr: rule.expr,
          for: formatPrometheusDuration(rule.forMs),
          keep_firing_for: formatPrometheusDuration(rule.keepFiringForMs),
          labels: rule.labels,
          annotations: rule.annotations,
        }
      : { record: rule.name, expr: rule.expr, labels: rule.labels }),
    ...(listed.updatedAt === undefined ? {} : { updatedAt: listed.updatedAt }),
  };
}

// --- errors -----------------------------------------------------------------------------------------

class BadData extends Error {}

function prometheusErrorHandler(error: unknown, _request: Request, response: Response, next: NextFunction): void {
  if (response.headersSent) return next(error);
  if (error instanceof BadData) {
    response.status(400).json({ status: 'error', errorType: 'bad_data', error: error.message });
    return;
  }
  const { status, message } = clientErrorOf(error);
  if (status >= 500) console.error('meshscope: alerting API request failed:', error);
  response.status(status).json({ status: 'error', errorType: status >= 500 ? 'internal' : 'bad_data', error: message });
}

function rulesErrorHandler(error: unknown, _request: Request, response: Response, next: NextFunction): void {
  if (response.headersSent) return next(error);
  const { status, message } = clientErrorOf(error);
  if (status >= 500) console.error('meshscope: rules API request failed:', error);
  response.status(status).json({ error: message });
}

