// API-made alert rules and alert state, in their own small database beside the telemetry store. They are
// written on the calling thread a few times a minute; keeping them out of meshscope.db means these tiny
// writes never wait behind the telemetry writer's group commits, and retention never touches them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { AlertingStatusSnapshot, AlertingStore, AlertInstance, ApiRule } from '../../alerting/model.js';
import { fromStoredJson as fromJson, toStoredJson as toJson } from '../../alerting/stored-json.js';
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
CREATE TABLE IF NOT EXISTS evaluation_lease (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  holder TEXT NOT NULL,
  expires_at_ms INTEGER NOT NULL  -- the holder's clock
);
`;
// Every statement is CREATE ... IF NOT EXISTS and runs at each open, so a file made by an older version
// gains the tables it lacks (the evaluation lease came later) and keeps its rules and states.

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

  async acquireLease(holder: string, ttlMs: number): Promise<boolean> {
    const db = this.writable();
    const nowMs = Date.now();
    const read = db.prepare('SELECT holder, expires_at_ms AS expiresAtMs FROM evaluation_lease WHERE id = 1');
    const write = db.prepare('INSERT OR REPLACE INTO evaluation_lease (id, holder, expires_at_ms) VALUES (1, ?, ?)');
    // IMMEDIATE takes the write lock before the read, so two processes sharing the file cannot both see
    // the lease free and both take it.
    const take = db.transaction((): boolean => {
      const current = read.get() as { holder: string; expiresAtMs: number } | undefined;
      if (current !== undefined && current.holder !== holder && current.expiresAtMs > nowMs) return false;
      write.run(holder, nowMs + ttlMs);
      return true;
    });
    return take.immediate();
  }

  async releaseLease(holder: string): Promise<void> {
    this.writable().prepare('DELETE FROM evaluation_lease WHERE id = 1 AND holder = ?').run(holder);
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
