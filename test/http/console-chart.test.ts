import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drawActivityChart } from '../../src/http/views/console-chart.ts';

const day = (d: string, signUps = 0, bounces = 0) => ({ day: d, signUps, confirmations: 0, unsubscribes: 0, bounces });

test('the activity chart scales to a round top, labels the newest day, and sums each series for its text alternative', () => {
  const days = Array.from({ length: 15 }, (_, i) => day(`2026-01-${String(i + 1).padStart(2, '0')}`, i === 14 ? 17 : 1, i === 3 ? 2 : 0));
  const chart = drawActivityChart(days);
  assert.deepEqual(
    chart.gridLines.map((g) => g.label),
    ['0', '10', '20'],
    '17 rounds up to 20',
  );
  assert.deepEqual(
    chart.xLabels.map((l) => l.label),
    ['01-01', '01-08', '01-15'],
  );
  assert.equal(chart.xLabels.at(-1)!.anchor, 'end');
  const signUps = chart.series.find((s) => s.key === 'signUps')!;
  assert.equal(signUps.total, 31);
  assert.equal(signUps.points.split(' ').length, 15);
  // The last point is the highest: 17 of 20 is near the top of the plot.
  const lastY = Number(signUps.points.split(' ').at(-1)!.split(',')[1]);
  assert.ok(lastY < 50, `y ${lastY}`);
  assert.match(chart.summary, /^From 2026-01-01 to 2026-01-15: 31 sign-ups, 0 confirmations, 0 unsubscribes, 2 bounces\.$/);
  assert.deepEqual(
    drawActivityChart([day('2026-01-01')]).gridLines.map((g) => g.label),
    ['0', '2', '4'],
    'an empty month still has distinct grid lines',
  );
});
