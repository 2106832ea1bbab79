// The JSON that alerting stores keep rules, states and the status in. JSON has no NaN or infinities, and
// alert values are often both (a ratio over no traffic): they are written as
// {"nonFinite": "NaN" | "Infinity" | "-Infinity"} and restored on read.

export function toStoredJson(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) => (typeof field === 'number' && !Number.isFinite(field) ? { nonFinite: String(field) } : field));
}

export function fromStoredJson<T>(text: string): T {
  return JSON.parse(text, (_key, field: unknown) => {
    const nonFinite = typeof field === 'object' && field !== null && Object.keys(field).length === 1 ? (field as { nonFinite?: unknown }).nonFinite : undefined;
    return typeof nonFinite === 'string' ? Number(nonFinite) : field;
  }) as T;
}
