// Options read from text (upload fields, query strings, CLI flags) take one decimal spelling: Number() alone read
// "0x10" as 16, " 1" as 1 and "Infinity" as a number (issue 20's re-attack: capture_interval_sec "0x10" was accepted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDecimalSpelling, KeycastError, resolveClusterOptions, resolveExtractOptions } from '../../../libs/config/index.js';

test('isDecimalSpelling: finite decimals only; integers are digits', () => {
  for (const s of ['0', '16', '-3', '0.5', '.5', '2.', '1e3', '1.5E-2']) assert.equal(isDecimalSpelling(s), true, s);
  for (const s of ['', ' 1', '1 ', '0x10', '0b1', '0o7', 'Infinity', '-Infinity', '1e309', 'NaN', '1_000', '+', '.', 'e3'])
    assert.equal(isDecimalSpelling(s), false, JSON.stringify(s));
  assert.equal(isDecimalSpelling('12', true), true);
  for (const s of ['1.0', '1e3', '-', '0x10']) assert.equal(isDecimalSpelling(s, true), false, s);
});

test('an option given as text in another spelling is INVALID_OPTION, naming the option and the value', () => {
  for (const v of ['0x10', '0b1', ' 1', 'Infinity', '1e309']) {
    assert.throws(
      () => resolveExtractOptions({ capture_interval_sec: v }),
      (e: unknown) =>
        e instanceof KeycastError &&
        e.code === 'INVALID_OPTION' &&
        e.message.includes('capture_interval_sec') &&
        e.message.includes(JSON.stringify(v).slice(1, -1).trim()),
      v,
    );
  }
  assert.throws(
    () => resolveClusterOptions({ min_csize: '0x2' }),
    (e: unknown) => e instanceof KeycastError && e.code === 'INVALID_OPTION',
  );
  assert.equal(resolveExtractOptions({ capture_interval_sec: '0.5' }).capture_interval_sec, 0.5);
  assert.equal(resolveExtractOptions({ capture_interval_sec: '.5' }).capture_interval_sec, 0.5);
  assert.equal(resolveClusterOptions({ min_csize: '3' }).min_csize, 3);
});
