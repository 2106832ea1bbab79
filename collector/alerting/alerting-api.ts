// What the alerting HTTP routes need, in two forms: live, in a collector, and stored, on a read-only query
// node, which serves the status the evaluating collector last published (AlertingStatusSnapshot) and
// refuses changes with a conflict naming where to make them. A collector that does not hold the
// evaluation lease answers the status like a query node, but takes rule changes (into the store).
import { MeshscopeError } from '../errors.js';
import type { AlertingService, ApiRuleInput, ListedRule, ReloadStatus } from './alerting-service.js';
import { alertsOf, type AlertStatus, type GroupStatus } from './evaluator.js';
import type { AlertingStatusSnapshot, AlertingStore } from './model.js';

export interface AlertingApi {
  groups(): Promise<GroupStatus[]>;
  alerts(): Promise<AlertStatus[]>;
  listRules(): Promise<ListedRule[]>;
  getRule(id: string): Promise<ListedRule>;
  createRule(input: ApiRuleInput): Promise<ListedRule>;
  updateRule(id: string, input: ApiRuleInput): Promise<ListedRule>;
  deleteRule(id: string): Promise<void>;
  /** Re-reads rule files; the status says whether they were taken. */
  reload(): Promise<ReloadStatus>;
}

/**
 * A collector's API: rule status from its own evaluator while it holds the lease, else from `published`
 * (a StoredAlertingApi over the shared store); the rule list and changes from its AlertingService.
 */
export function liveAlertingApi(service: AlertingService, published: AlertingApi, reload: () => Promise<ReloadStatus>): AlertingApi {
  const groups = async (): Promise<GroupStatus[]> => service.evaluatedGroups() ?? published.groups();
  return {
    groups,
    alerts: async () => alertsOf(await groups()),
    listRules: async () => service.listRules(),
    getRule: async (id) => service.getRule(id),
    createRule: (input) => service.createRule(input),
    updateRule: (id, input) => service.updateRule(id, input),
    deleteRule: (id) => service.deleteRule(id),
    reload,
  };
}

/** How long a read-only node reuses a loaded snapshot (the evaluator publishes at most once a second). */
const SNAPSHOT_CACHE_MS = 1000;

const READ_ONLY =
  'this query node serves the rules and alerts the collector publishes; make rule changes and reloads on the collector (its admin port)';

export class StoredAlertingApi implements AlertingApi {
  private cached: { loadedAtMs: number; snapshot: AlertingStatusSnapshot | undefined } | undefined;

  constructor(
    private readonly store: AlertingStore,
    private readonly now: () => number = Date.now,
  ) {}

  async groups(): Promise<GroupStatus[]> {
    return (await this.snapshot())?.groups ?? [];
  }

  async alerts(): Promise<AlertStatus[]> {
    return alertsOf(await this.groups());
  }

  async listRules(): Promise<ListedRule[]> {
    return (await this.snapshot())?.rules ?? [];
  }

  async getRule(id: string): Promise<ListedRule> {
    const rule = (await this.listRules()).find((listed) => listed.id === id);
    if (rule === undefined) throw new MeshscopeError('not_found', `no rule with id '${id}'`);
    return rule;
  }

  async createRule(): Promise<ListedRule> {
    throw new MeshscopeError('conflict', READ_ONLY);
  }

  async updateRule(): Promise<ListedRule> {
    throw new MeshscopeError('conflict', READ_ONLY);
  }

  async deleteRule(): Promise<void> {
    throw new MeshscopeError('conflict', READ_ONLY);
  }

  async reload(): Promise<ReloadStatus> {
    throw new MeshscopeError('conflict', READ_ONLY);
  }

  private async snapshot(): Promise<AlertingStatusSnapshot | undefined> {
    const nowMs = this.now();
    if (this.cached === undefined || nowMs - this.cached.loadedAtMs >= SNAPSHOT_CACHE_MS) {
      this.cached = { loadedAtMs: nowMs, snapshot: await this.store.loadStatus() };
    }
    return this.cached.snapshot;
  }
}
