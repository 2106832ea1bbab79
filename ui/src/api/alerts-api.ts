// Alerting: Prometheus' /api/v1/rules (groups, rule state and health, their alerts) and the hub's rules
// API /api/alerts/rules, which creates, replaces and deletes rules made in the UI.
import { z } from 'zod';
import type { ApiClientOptions } from './client.js';
import { HttpJson } from './http.js';

const labelsSchema = z.record(z.string(), z.string());

export const activeAlertSchema = z.object({
  labels: labelsSchema,
  annotations: labelsSchema,
  state: z.enum(['pending', 'firing']),
  /** RFC 3339. */
  activeAt: z.string(),
  /** Go's float format, e.g. `1e+00`. */
  value: z.string(),
});

const alertingRuleStatusSchema = z.object({
  type: z.literal('alerting'),
  name: z.string(),
  query: z.string(),
  state: z.enum(['inactive', 'pending', 'firing']),
  /** Seconds. */
  duration: z.number(),
  labels: labelsSchema.default({}),
  annotations: labelsSchema.default({}),
  alerts: z.array(activeAlertSchema).default([]),
  health: z.string(),
  lastError: z.string().optional(),
  lastEvaluation: z.string(),
});

const recordingRuleStatusSchema = z.object({
  type: z.literal('recording'),
  name: z.string(),
  query: z.string(),
  labels: labelsSchema.default({}),
  health: z.string(),
  lastError: z.string().optional(),
  lastEvaluation: z.string(),
});

export const ruleGroupSchema = z.object({
  name: z.string(),
  /** The rule file, or `api` for rules made through the rules API. */
  file: z.string(),
  /** Seconds. */
  interval: z.number(),
  rules: z.array(z.discriminatedUnion('type', [alertingRuleStatusSchema, recordingRuleStatusSchema])),
  lastEvaluation: z.string(),
});

/** A rule as the rules API lists it: rule-file fields plus where it lives. */
export const listedRuleSchema = z.object({
  id: z.string(),
  source: z.enum(['file', 'api']),
  file: z.string().optional(),
  readOnly: z.boolean(),
  group: z.string(),
  interval: z.string(),
  alert: z.string().optional(),
  record: z.string().optional(),
  expr: z.string(),
  for: z.string().optional(),
  labels: labelsSchema.optional(),
  annotations: labelsSchema.optional(),
  updatedAt: z.string().optional(),
});

export type ActiveAlert = z.infer<typeof activeAlertSchema>;
export type RuleGroupStatus = z.infer<typeof ruleGroupSchema>;
export type RuleStatus = RuleGroupStatus['rules'][number];
export type ListedRule = z.infer<typeof listedRuleSchema>;

/** What the form sends: the rule-file fields of one alerting rule plus its group. */
export interface AlertRuleInput {
  group: string;
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const rulesEnvelope = z.object({ status: z.literal('success'), data: z.object({ groups: z.array(ruleGroupSchema) }) });

export class AlertsApi {
  private readonly http: HttpJson;

  constructor(options: ApiClientOptions = {}) {
    this.http = new HttpJson(options);
  }

  async ruleGroups(signal?: AbortSignal): Promise<RuleGroupStatus[]> {
    return (await this.http.get('/api/v1/rules', rulesEnvelope, signal)).data.groups;
  }

  async listRules(signal?: AbortSignal): Promise<ListedRule[]> {
    return (await this.http.get('/api/alerts/rules', z.object({ data: z.array(listedRuleSchema) }), signal)).data;
  }

  async createRule(input: AlertRuleInput): Promise<ListedRule> {
    return (await this.http.send('POST', '/api/alerts/rules', input, z.object({ data: listedRuleSchema }))).data;
  }

  async updateRule(id: string, input: AlertRuleInput): Promise<ListedRule> {
    return (await this.http.send('PUT', `/api/alerts/rules/${encodeURIComponent(id)}`, input, z.object({ data: listedRuleSchema }))).data;
  }

  async deleteRule(id: string): Promise<void> {
    await this.http.send('DELETE', `/api/alerts/rules/${encodeURIComponent(id)}`, undefined, z.undefined());
  }
}

export const alertsApi = new AlertsApi();
