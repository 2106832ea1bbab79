// Layered layout of a service graph, left to right (or top to bottom): a node's layer is its call depth
// (the longest chain of calls leading to it), nodes within a layer are ordered to keep edges short. A service graph has
// tens of nodes, so this small Sugiyama-style pass is enough and, unlike a force layout, gives the same
// picture for the same graph every time: positions depend on names and edges only, never on input order.

export interface NodePosition {
  /** Top-left corner, in SVG units. */
  x: number;
  y: number;
  layer: number;
}

export interface GraphLayout {
  positions: Map<string, NodePosition>;
  width: number;
  height: number;
}

export interface EdgeGeometry {
  /** SVG path data. */
  path: string;
  /** Where the edge's label sits. */
  labelX: number;
  labelY: number;
  /** Calls going against the flow (closing a cycle) are drawn as an arc beside the nodes. */
  backward: boolean;
}

/** Left to right (the default), or top to bottom, which is narrow enough for two graphs side by side. */
export type Orientation = 'horizontal' | 'vertical';

export const NODE_WIDTH = 176;
export const NODE_HEIGHT = 56;
/** Between columns of a horizontal layout: room for a two-line edge label. */
const LAYER_GAP_HORIZONTAL = 130;
/** Between rows of a vertical layout. */
const LAYER_GAP_VERTICAL = 84;
/** Between nodes of one layer. */
const SIBLING_GAP_HORIZONTAL = 36;
const SIBLING_GAP_VERTICAL = 28;
const PADDING = 24;
/** Room beside the nodes for the arcs of backward calls. */
const ARC_ROOM = 34;
const ORDERING_SWEEPS = 4;

interface Link {
  client: string;
  server: string;
}

export function layoutGraph(nodeIds: readonly string[], links: readonly Link[], orientation: Orientation = 'horizontal'): GraphLayout {
  const names = [...new Set(nodeIds)].sort(compareText);
  const forward = acyclicLinks(names, links);
  const layerOf = longestPathLayers(names, forward);
  const layers = orderLayers(names, forward, layerOf);
  const widest = Math.max(1, ...layers.map((layer) => layer.length));
  const vertical = orientation === 'vertical';
  // Along the flow: layers; across it: the nodes of one layer, centred.
  const layerStep = vertical ? NODE_HEIGHT + LAYER_GAP_VERTICAL : NODE_WIDTH + LAYER_GAP_HORIZONTAL;
  const siblingStep = vertical ? NODE_WIDTH + SIBLING_GAP_VERTICAL : NODE_HEIGHT + SIBLING_GAP_HORIZONTAL;
  const positions = new Map<string, NodePosition>();
  layers.forEach((layer, layerIndex) => {
    const offset = ((widest - layer.length) * siblingStep) / 2;
    layer.forEach((name, index) => {
      const along = PADDING + layerIndex * layerStep;
      const across = PADDING + offset + index * siblingStep;
      positions.set(name, vertical ? { x: across, y: along, layer: layerIndex } : { x: along, y: across, layer: layerIndex });
    });
  });
  const layerCount = Math.max(1, layers.length);
  const alongSize = PADDING * 2 + layerCount * layerStep - (vertical ? LAYER_GAP_VERTICAL : LAYER_GAP_HORIZONTAL);
  const acrossSize = PADDING * 2 + widest * siblingStep - (vertical ? SIBLING_GAP_VERTICAL : SIBLING_GAP_HORIZONTAL) + ARC_ROOM;
  return { positions, width: vertical ? acrossSize : alongSize, height: vertical ? alongSize : acrossSize };
}

/**
 * A curve from the client to the server across the gap between their layers, or, for a call against
 * the flow, an arc beside the nodes (below them left to right, right of them top to bottom).
 */
export function edgeGeometry(from: NodePosition, to: NodePosition, orientation: Orientation = 'horizontal'): EdgeGeometry {
  const vertical = orientation === 'vertical';
  if (to.layer > from.layer) {
    const x1 = vertical ? from.x + NODE_WIDTH / 2 : from.x + NODE_WIDTH;
    const y1 = vertical ? from.y + NODE_HEIGHT : from.y + NODE_HEIGHT / 2;
    const x2 = vertical ? to.x + NODE_WIDTH / 2 : to.x;
    const y2 = vertical ? to.y : to.y + NODE_HEIGHT / 2;
    const path = vertical
      ? `M${x1},${y1} C${x1},${(y1 + y2) / 2} ${x2},${(y1 + y2) / 2} ${x2},${y2}`
      : `M${x1},${y1} C${(x1 + x2) / 2},${y1} ${(x1 + x2) / 2},${y2} ${x2},${y2}`;
    return { path, labelX: (x1 + x2) / 2, labelY: (y1 + y2) / 2, backward: false };
  }
  if (vertical) {
    const x1 = from.x + NODE_WIDTH;
    const y1 = from.y + NODE_HEIGHT / 2;
    const x2 = to.x + NODE_WIDTH;
    const y2 = to.y + NODE_HEIGHT / 2;
    const side = Math.max(x1, x2) + ARC_ROOM;
    return { path: `M${x1},${y1} C${side},${y1} ${side},${y2} ${x2},${y2}`, labelX: side - 6, labelY: (y1 + y2) / 2, backward: true };
  }
  const x1 = from.x + NODE_WIDTH / 2;
  const y1 = from.y + NODE_HEIGHT;
  const x2 = to.x + NODE_WIDTH / 2;
  const y2 = to.y + NODE_HEIGHT;
  const depth = Math.max(y1, y2) + ARC_ROOM;
  return { path: `M${x1},${y1} C${x1},${depth} ${x2},${depth} ${x2},${y2}`, labelX: (x1 + x2) / 2, labelY: depth - 6, backward: true };
}

/** Links minus self-calls and the links that close a cycle, found by a depth-first walk in name order. */
function acyclicLinks(names: readonly string[], links: readonly Link[]): Map<string, string[]> {
  const out = new Map<string, string[]>(names.map((name) => [name, []]));
  for (const link of links) {
    if (link.client !== link.server && out.has(link.client) && out.has(link.server)) out.get(link.client)!.push(link.server);
  }
  for (const targets of out.values()) targets.sort(compareText);
  const hasInbound = new Set([...out.values()].flat());
  const starts = [...names.filter((name) => !hasInbound.has(name)), ...names];
  const state = new Map<string, 'open' | 'done'>();
  const forward = new Map<string, string[]>(names.map((name) => [name, []]));
  const visit = (name: string) => {
    state.set(name, 'open');
    for (const target of out.get(name)!) {
      if (state.get(target) === 'open') continue; // back edge: would close a cycle
      forward.get(name)!.push(target);
      if (!state.has(target)) visit(target);
    }
    state.set(name, 'done');
  };
  for (const name of starts) if (!state.has(name)) visit(name);
  return forward;
}

function longestPathLayers(names: readonly string[], forward: Map<string, string[]>): Map<string, number> {
  const layer = new Map<string, number>();
  const depthOf = (name: string): number => {
    const known = layer.get(name);
    if (known !== undefined) return known;
    const parents = names.filter((candidate) => forward.get(candidate)!.includes(name));
    const depth = parents.length === 0 ? 0 : 1 + Math.max(...parents.map(depthOf));
    layer.set(name, depth);
    return depth;
  };
  for (const name of names) depthOf(name);
  return layer;
}

/** Barycentre ordering: each node moves towards the mean row of its neighbours in the previous column. */
function orderLayers(names: readonly string[], forward: Map<string, string[]>, layerOf: Map<string, number>): string[][] {
  const count = Math.max(0, ...layerOf.values()) + 1;
  const layers: string[][] = Array.from({ length: count }, () => []);
  for (const name of names) layers[layerOf.get(name)!]!.push(name);
  const backward = new Map<string, string[]>(names.map((name) => [name, []]));
  for (const [client, servers] of forward) for (const server of servers) backward.get(server)!.push(client);
  for (let sweep = 0; sweep < ORDERING_SWEEPS; sweep++) {
    const downward = sweep % 2 === 0;
    const neighbours = downward ? backward : forward;
    const order = downward ? layers.keys() : [...layers.keys()].reverse().values();
    for (const index of order) {
      const reference = layers[downward ? index - 1 : index + 1];
      if (reference === undefined) continue;
      const rowOf = new Map(reference.map((name, row) => [name, row]));
      const current = layers[index]!;
      const centre = (name: string, fallback: number) => {
        const rows = neighbours.get(name)!.map((other) => rowOf.get(other)).filter((row): row is number => row !== undefined);
        return rows.length === 0 ? fallback : rows.reduce((sum, row) => sum + row, 0) / rows.length;
      };
      const keyed = current.map((name, row) => ({ name, key: centre(name, row) }));
      // Stable: equal keys keep their order, so the result depends on names, never on input order.
      keyed.sort((a, b) => a.key - b.key);
      layers[index] = keyed.map((entry) => entry.name);
    }
  }
  return layers;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
