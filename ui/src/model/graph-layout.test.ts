import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NODE_WIDTH, edgeGeometry, layoutGraph } from './graph-layout.js';

const LINKS = [
  { client: 'user', server: 'web' },
  { client: 'web', server: 'cart' },
  { client: 'web', server: 'payments' },
  { client: 'cart', server: 'redis' },
  { client: 'payments', server: 'postgres' },
  { client: 'web', server: 'postgres' },
];
const NODES = ['cart', 'payments', 'postgres', 'redis', 'user', 'web'];

function layers(layout: ReturnType<typeof layoutGraph>): Record<string, number> {
  return Object.fromEntries([...layout.positions].map(([name, position]) => [name, position.layer]));
}

test('columns follow call depth, left to right; a node sits after its deepest caller', () => {
  const layout = layoutGraph(NODES, LINKS);
  assert.deepEqual(layers(layout), { user: 0, web: 1, cart: 2, payments: 2, redis: 3, postgres: 3 });
  assert.ok(layout.positions.get('web')!.x > layout.positions.get('user')!.x + NODE_WIDTH);
});

test('rows follow callers: children of cart and payments are stacked in the same order as they are', () => {
  const layout = layoutGraph(NODES, LINKS);
  const above = (a: string, b: string) => layout.positions.get(a)!.y < layout.positions.get(b)!.y;
  assert.equal(above('cart', 'payments'), above('redis', 'postgres'));
});

test('positions do not depend on the order nodes and edges arrive in', () => {
  const one = layoutGraph(NODES, LINKS);
  const other = layoutGraph([...NODES].reverse(), [...LINKS].reverse());
  assert.deepEqual([...other.positions].sort(), [...one.positions].sort());
  assert.equal(other.width, one.width);
  assert.equal(other.height, one.height);
});

test('cycles and self-calls are laid out; the call closing the cycle is drawn backwards', () => {
  const layout = layoutGraph(['a', 'b', 'c'], [
    { client: 'a', server: 'b' },
    { client: 'b', server: 'c' },
    { client: 'c', server: 'a' },
    { client: 'b', server: 'b' },
  ]);
  assert.deepEqual(layers(layout), { a: 0, b: 1, c: 2 });
  const back = edgeGeometry(layout.positions.get('c')!, layout.positions.get('a')!);
  assert.equal(back.backward, true);
  assert.ok(back.labelY > layout.positions.get('a')!.y);
  assert.equal(edgeGeometry(layout.positions.get('a')!, layout.positions.get('b')!).backward, false);
});

test('an empty graph has a size and no positions', () => {
  const layout = layoutGraph([], []);
  assert.equal(layout.positions.size, 0);
  assert.ok(layout.width > 0 && layout.height > 0);
});

test('top to bottom: layers become rows, and the graph is narrow enough to set two side by side', () => {
  const horizontal = layoutGraph(NODES, LINKS);
  const vertical = layoutGraph(NODES, LINKS, 'vertical');
  const rows = Object.fromEntries([...vertical.positions].map(([name, position]) => [name, position.y]));
  assert.ok(rows.user! < rows.web! && rows.web! < rows.cart! && rows.cart! === rows.payments! && rows.payments! < rows.postgres!);
  assert.ok(vertical.width < 720, `${vertical.width} wide`);
  assert.ok(vertical.width < horizontal.width);
  const down = edgeGeometry(vertical.positions.get('web')!, vertical.positions.get('cart')!, 'vertical');
  assert.ok(down.labelY > rows.web! && down.labelY < rows.cart!);
  assert.equal(edgeGeometry(vertical.positions.get('cart')!, vertical.positions.get('web')!, 'vertical').backward, true);
});
