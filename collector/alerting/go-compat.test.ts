// Expected values were printed by Go 1.26 (hash/fnv over the label set as prometheus/common hashes it,
// strconv.Quote, json.Marshal of time.Time); the interop test checks fingerprints against a live
// Alertmanager as well.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareGoStrings, goJsonMarshal, goLabelSetString, goQuote, goSortedMap, goTimeJson, goTimeString, labelsFingerprint } from './go-compat.js';

test('labelsFingerprint is prometheus/common LabelSet.Fingerprint as 16 hex digits', () => {
  assert.equal(labelsFingerprint({}), 'cbf29ce484222325');
  assert.equal(labelsFingerprint({ alertname: 'HighErrorRate' }), '271f101352bce682');
  assert.equal(labelsFingerprint({ severity: 'page', alertname: 'HighErrorRate', service: 'checkout' }), '6e890fd1d2e6636f');
  assert.equal(labelsFingerprint({ alertname: 'Ünïcode ☃', z: '😀', a: '' }), '80086aab9f327433');
});

test('goQuote escapes like strconv.Quote', () => {
  assert.equal(goQuote('plain'), '"plain"');
  assert.equal(goQuote('quote" back\\slash'), '"quote\\" back\\\\slash"');
  assert.equal(goQuote('tab\tnl\n\x07\x01\x7f'), '"tab\\tnl\\n\\a\\x01\\x7f"');
  assert.equal(goQuote('é☃😀\u00a0\u200b'), '"é☃😀\\u00a0\\u200b"');
  assert.equal(goQuote('a\u2028\u0378'), '"a\\u2028\\u0378"');
  // A lone surrogate reaches Go as U+FFFD, which strconv.Quote prints as itself.
  assert.equal(goQuote('x\ud800y'), '"x\ufffdy"');
  assert.equal(goQuote('\ufffd'), '"\ufffd"');
});

test('goLabelSetString sorts names and quotes values', () => {
  assert.equal(goLabelSetString({}), '{}');
  assert.equal(goLabelSetString({ b: '2', alertname: 'A "x"' }), '{alertname="A \\"x\\"", b="2"}');
});

test('goTimeJson trims trailing zeros of the fraction like time.Time.MarshalJSON', () => {
  assert.equal(goTimeJson(Date.UTC(2026, 10, 29, 10, 0, 0, 123)), '2026-11-29T10:00:00.123Z');
  assert.equal(goTimeJson(Date.UTC(2026, 10, 29, 10, 0, 0, 120)), '2026-11-29T10:00:00.12Z');
  assert.equal(goTimeJson(Date.UTC(2026, 10, 29, 10, 0, 0, 100)), '2026-11-29T10:00:00.1Z');
  assert.equal(goTimeJson(Date.UTC(2026, 10, 29, 10, 0, 0, 0)), '2026-11-29T10:00:00Z');
  assert.equal(goTimeJson(Date.UTC(2026, 10, 29, 10, 0, 10, 0)), '2026-11-29T10:00:10Z');
});

test('goTimeString is time.Time.String() in UTC with the fraction trimmed', () => {
  assert.equal(goTimeString(1_700_000_000_120), '2023-11-14 22:13:20.12 +0000 UTC');
  assert.equal(goTimeString(1_700_000_000_000), '2023-11-14 22:13:20 +0000 UTC');
  assert.equal(goTimeString(-1500), '1969-12-31 23:59:58.5 +0000 UTC');
});

test('Go string order compares UTF-8 bytes, unlike JavaScript beyond the BMP', () => {
  // U+FF5E sorts after U+1F600 in UTF-16 units but before it in UTF-8 bytes.
  assert.ok('\u{ff5e}' > '\u{1f600}');
  assert.ok(compareGoStrings('\u{ff5e}', '\u{1f600}') < 0);
  assert.deepEqual(Object.keys(goSortedMap({ '\u{1f600}': '1', '\u{ff5e}': '2', a: '3' })), ['a', '\u{ff5e}', '\u{1f600}']);
});

test('goJsonMarshal escapes HTML characters and line separators, like encoding/json', () => {
  assert.equal(goJsonMarshal({ url: 'a?b=1&c=<d>', line: '\u2028' }), '{"url":"a?b=1\\u0026c=\\u003cd\\u003e","line":"\\u2028"}');
  assert.deepEqual(JSON.parse(goJsonMarshal({ url: 'a&b' })), { url: 'a&b' });
});
