import { test } from 'node:test';
import assert from 'node:assert/strict';
import { correctionRun, correctionTable, SETTINGS } from '../../bench/correction-efficiency.js';

test('correction efficiency: the simulated user reaches NMI >= 0.99 in fewer edits than wrong faces (fixes spread)', async () => {
  const run = await correctionRun(
    'demo-samples',
    SETTINGS.find((s) => s.name.startsWith('reference')),
  );
  assert.ok(run.wrongFaces > 0, 'the reference flow at sim 0.63 leaves errors to fix');
  assert.equal(run.reached, true, JSON.stringify(run));
  assert.ok(run.nmiAfter >= 0.99 && run.nmiAfter > run.nmiBefore);
  assert.ok(run.edits < run.wrongFaces, `${run.edits} edits for ${run.wrongFaces} wrong faces`);
  const table = correctionTable([run]);
  assert.match(table, /^## Correction efficiency/);
  assert.ok(table.includes(`| ${run.set} | ${run.faces} |`));
});
