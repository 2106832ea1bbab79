// API-made alert rules and alert state, in their own small database beside the telemetry store. They are
// written on the calling thread a few times a minute; keeping them out of meshscope.db means these tiny
// writes never wait behind the telemetry writer's group commits, and retention never touches them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { AlertingStatusSnapshot, AlertingStore, AlertInstance, ApiRule } from '../../alerting/model.js';
import { MeshscopeError } from '../../errors.js';

export const ALERTING_DATABASE_FILE_NAME = 'alerting.db';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS api_rules (
  id TEXT PRIMARY KEY,
  body TEXT NOT NULL            -- the ApiRule as JSON
);
CREATE TABLE IF NOT EXISTS alert_state (
  rule_key TEXT PRIMARY KEY,    -- ruleKeyString()
  alerts TEXT NOT NULL          -- AlertInstance[] as JSON
);
CREATE TABLE IF NOT EXISTS status (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  body TEXT NOT NULL            -- the AlertingStatusSnapshot as JSON
);
`;

/**
 * JSON has no NaN or infinities, and alert values are often both (a ratio over no traffic): they are
 * stored as {"nonFinite": "NaN" | "Infinity" | "-Infinity"} and restored on read.
 */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) => (typeof field === 'number' && !Number.isFinite(field) ? { nonFinite: String(field) } : field));
}

function fromJson<T>(text: string): T {
  return JSON.parse(text, (_key, field: unknown) => {
    const nonFinite = typeof field === 'object' && field !== null && Object.keys(field).length === 1 ? (field as { nonFinite?: unknown }).nonFinite : undefined;
    return typeof nonFinite === 'string' ? Number(nonFinite) : field;
  }) as T;
}

export class SqliteAlertingStore implements AlertingStore {
  private db: Database.Database | undefined;

  /** readOnly: a query node reads what the collector's evaluator wrote, and never writes. */
  constructor(
    private readonly dataDir: string,
    private readonly readOnly: boolean,
  ) {}

  async listApiRules(): Promise<ApiRule[]> {
    const db = this.open();
    if (db === undefined) return [];
    const rows = db.prepare('SELECT body FROM api_rules ORDER BY id').all() as { body: string }[];
    return rows.map((row) => fromJson<ApiRule>(row.body));
  }

  async putApiRule(rule: ApiRule): Promise<void> {
    this.writable().prepare('INSERT OR REPLACE INTO api_rules (id, body) VALUES (?, ?)').run(rule.id, toJson(rule));
  }

  async deleteApiRule(id: string): Promise<boolean> {
    return this.writable().prepare('DELETE FROM api_rules WHERE id = ?').run(id).changes > 0;
  }

  async loadAlertStates(): Promise<Map<string, AlertInstance[]>> {
    const db = this.open();
    const states = new Map<string, AlertInstance[]>();
    if (db === undefined) return states;
    for (const row of db.prepare('SELECT rule_key, alerts FROM alert_state').all() as { rule_key: string; alerts: string }[]) {
      states.set(row.rule_key, fromJson<AlertInstance[]>(row.alerts));
    }
    return states;
  }

  async saveAlertStates(states: Map<string, AlertInstance[]>): Promise<void> {
    const db = this.writable();
    const upsert = db.prepare('INSERT OR REPLACE INTO alert_state (rule_key, alerts) VALUES (?, ?)');
    const remove = db.prepare('DELETE FROM alert_state WHERE rule_key = ?');
    db.transaction(() => {
      for (const [key, alerts] of states) {
        if (alerts.length === 0) remove.run(key);
        else upsert.run(key, toJson(alerts));
      }
    })();
  }

  async saveStatus(status: AlertingStatusSnapshot): Promise<void> {
    this.writable().prepare('INSERT OR REPLACE INTO status (id, body) VALUES (1, ?)').run(toJson(status));
  }

  async loadStatus(): Promise<AlertingStatusSnapshot | undefined> {
    const row = this.open()?.prepare('SELECT body FROM status WHERE id = 1').get() as { body: string } | undefined;
    return row === undefined ? undefined : fromJson<AlertingStatusSnapshot>(row.body);
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }

  /** The connection, opened on first use; undefined on a read-only node before the writer created the file. */
  private open(): Database.Database | undefined {
    if (this.db !== undefined) return this.db;
    const path = join(this.dataDir, ALERTING_DATABASE_FILE_NAME);
    if (this.readOnly) {
      if (!existsSync(path)) return undefined;
      this.db = new Database(path, { readonly: true, fileMustExist: true });
      this.db.pragma('busy_timeout = 2000');
      return this.db;
    }
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit survives the process being killed; only power loss may cost the last one.
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 2000');
    db.exec(SCHEMA);
    this.db = db;
    return db;
  }

  private writable(): Database.Database {
    if (this.readOnly) throw new MeshscopeError('conflict', 'this query node reads rules and alerts only; change rules on the collector (meshscope collector or all-in-one)');
    return this.open()!;
  }
}
