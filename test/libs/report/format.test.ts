import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, formatClock, formatDuration } from '../../../libs/report/index.js';

test('formatClock / formatDuration', () => {
  assert.equal(formatClock(0), '0:00.0');
  assert.equal(formatClock(75.25), '1:15.3');
  assert.equal(formatClock(59.96), '1:00.0');
  assert.equal(formatClock(3725.4), '1:02:05');
  assert.equal(formatClock(NaN), '?');
  assert.equal(formatDuration(4.5), '4.5 s');
  assert.equal(formatDuration(7), '7 s');
  assert.equal(formatDuration(90), '1:30.0');
});

test('escapeHtml escapes the five specials', () => {
  assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
});
