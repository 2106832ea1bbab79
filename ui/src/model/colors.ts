// One colour per service, chosen from its name alone, so a service keeps its colour across traces,
// pages and reloads. The palette is distinct hues of similar lightness that read on white; no pure red, which means an error.

export const SERVICE_PALETTE: readonly string[] = [
  '#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#9c755f', '#e377c2',
  '#2f4b7c', '#d45087', '#17becf', '#56b4e9', '#ffa600', '#665191',
];

export function serviceColor(service: string): string {
  return SERVICE_PALETTE[fnv1a(service) % SERVICE_PALETTE.length]!;
}

/** 32-bit FNV-1a: cheap, and spreads similar names (svc-1, svc-2) over the palette. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
