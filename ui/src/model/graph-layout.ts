// Left-to-right layered layout of a service graph: a node's column is its call depth (the longest chain
// of calls leading to it), rows within a column are ordered to keep edges short. A service graph has
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
  /** Calls going right-to-left (a cycle) are drawn as an arc under the nodes. */
  backward: boolean;
}

export const NODE_WIDTH = 184;
export const NODE_HEIGHT = 56;
/** Wide enough for an edge label between columns. */
const LAYER_GAP = 170;
const ROW_GAP = 40;
const PADDING = 24;
const ORDERING_SWEEPS = 4;

interface Link {
  client: string;
  server: string;
}

export function layoutGraph(nodeIds: readonly string[], links: readonly Link[]): GraphLayout {
  const names = [...new Set(nodeIds)].sort(compareText);
  const forward = acyclicLinks(names, links);
  const layerOf = longestPathLayers(names, forward);
  const layers = orderLayers(names, forward, layerOf);
  const tallest = Math.max(1, ...layers.map((layer) => layer.length));
  const rowStep = NODE_HEIGHT + ROW_GAP;
  const positions = new Map<string, NodePosition>();
  layers.forEach((layer, layerIndex) => {
    const offset = ((tallest - layer.length) * rowStep) / 2;
    layer.forEach((name, row) => positions.set(name, { x: PADDING + layerIndex * (NODE_WIDTH + LAYER_GAP), y: PADDING + offset + row * rowStep, layer: layerIndex }));
  });
  return {
    positions,
    width: PADDING * 2 + Math.max(1, layers.length) * NODE_WIDTH + Math.max(0, layers.length - 1) * LAYER_GAP,
    // Room below for arcs of backward edges.
    height: PADDING * 2 + tallest * NODE_HEIGHT + (tallest - 1) * ROW_GAP + 30,
  };
}

/** A curve from the client's right side to the server's left side, or an arc below for a backward call. */
export function edgeGeometry(from: NodePosition, to: NodePosition): EdgeGeometry {
  if (to.layer > from.layer) {
    const x1 = from.x + NODE_WIDTH;
    const y1 = from.y + NODE_HEIGHT / 2;
    const x2 = to.x;
    const y2 = to.y + NODE_HEIGHT / 2;
    const bend = (x2 - x1) / 2;
    return { path: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`, labelX: (x1 + x2) / 2, labelY: (y1 + y2) / 2, backward: false };
  }
  const x1 = from.x + NODE_WIDTH / 2;
  const y1 = from.y + NODE_HEIGHT;
  const x2 = to.x + NODE_WIDTH / 2;
  const y2 = to.y + NODE_HEIGHT;
  const depth = Math.max(y1, y2) + 34;
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
