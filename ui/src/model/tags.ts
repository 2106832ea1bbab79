// The tag filter of the search form, written as Jaeger UI writes it: `key=value` pairs separated by
// spaces, a value with spaces in double quotes (`error=true http.route="/cart items"`).

export type TagParse = { ok: true; tags: Record<string, string> } | { ok: false; error: string };

const PAIR = /\s*([^\s=]+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/y;

export function parseTags(text: string): TagParse {
  const tags: Record<string, string> = {};
  PAIR.lastIndex = 0;
  let position = 0;
  while (text.slice(position).trim() !== '') {
    PAIR.lastIndex = position;
    const match = PAIR.exec(text);
    if (match === null) return { ok: false, error: `expected key=value at "${text.slice(position).trim().slice(0, 20)}"` };
    const value = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!;
    tags[match[1]!] = value;
    position = PAIR.lastIndex;
  }
  return { ok: true, tags };
}

export function formatTags(tags: Record<string, string>): string {
  return Object.entries(tags)
    .map(([key, value]) => (/[\s"]/.test(value) || value === '' ? `${key}="${value.replace(/(["\\])/g, '\\$1')}"` : `${key}=${value}`))
    .join(' ');
}
