// An in-memory AlertingStore for unit tests (a test double, never a product backend). Copies in both
// directions, like the SQLite store's JSON round trip.
import type { AlertingStatusSnapshot, AlertingStore, AlertInstance, ApiRule } from './model.js';

export class MemoryAlertingStore implements AlertingStore {
  private readonly rules = new Map<string, ApiRule>();
  private readonly states = new Map<string, AlertInstance[]>();
  private status: AlertingStatusSnapshot | undefined;
  private lease: { holder: string; expiresAtMs: number } | undefined;

  async listApiRules(): Promise<ApiRule[]> {
    return [...this.rules.values()].sort((a, b) => a.id.localeCompare(b.id)).map((rule) => structuredClone(rule));
  }

  async putApiRule(rule: ApiRule): Promise<void> {
    this.rules.set(rule.id, structuredClone(rule));
  }

  async deleteApiRule(id: string): Promise<boolean> {
    return this.rules.delete(id);
  }

  async loadAlertStates(): Promise<Map<string, AlertInstance[]>> {
    return structuredClone(this.states);
  }

  async saveAlertStates(states: Map<string, AlertInstance[]>): Promise<void> {
    for (const [key, alerts] of states) {
      if (alerts.length === 0) this.states.delete(key);
      else this.states.set(key, structuredClone(alerts));
    }
  }

  async saveStatus(status: AlertingStatusSnapshot): Promise<void> {
    this.status = structuredClone(status);
  }

  async loadStatus(): Promise<AlertingStatusSnapshot | undefined> {
    return structuredClone(this.status);
  }

  async acquireLease(holder: string, ttlMs: number): Promise<boolean> {
    const nowMs = Date.now();
    if (this.lease !== undefined && this.lease.holder !== holder && this.lease.expiresAtMs > nowMs) return false;
    this.lease = { holder, expiresAtMs: nowMs + ttlMs };
    return true;
  }

  async releaseLease(holder: string): Promise<void> {
    if (this.lease?.holder === holder) this.lease = undefined;
  }
}
