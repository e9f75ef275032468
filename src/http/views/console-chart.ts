import type { ActivityDay } from '../../admin/console-reads.service.ts';

/**
 * The overview's activity chart, drawn on the server as SVG coordinates (no script, no inline
 * style: colours come from the stylesheet's classes). A pure function of the days.
 */
export interface ActivityChart {
  width: number;
  height: number;
  series: { key: string; label: string; points: string; total: number }[];
  gridLines: { y: number; label: string }[];
  xLabels: { x: number; label: string; anchor: 'middle' | 'end' }[];
  summary: string;
}

const SERIES = [
  { key: 'signUps', label: 'Sign-ups' },
  { key: 'confirmations', label: 'Confirmations' },
  { key: 'unsubscribes', label: 'Unsubscribes' },
  { key: 'bounces', label: 'Bounces' },
] as const;

const W = 720;
const H = 240;
const PAD = { left: 40, right: 10, top: 10, bottom: 30 };

export function drawActivityChart(days: readonly ActivityDay[]): ActivityChart {
  const max = Math.max(1, ...days.flatMap((d) => SERIES.map((s) => d[s.key])));
  // At least 4, so that the three grid lines (0, half, top) are distinct whole numbers.
  const top = Math.max(4, niceCeiling(max));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number): number => PAD.left + (days.length <= 1 ? 0 : (i * plotW) / (days.length - 1));
  const y = (v: number): number => PAD.top + plotH - (v * plotH) / top;
  const round = (n: number): number => Math.round(n * 10) / 10;
  const series = SERIES.map((s) => ({
    key: s.key,
    label: s.label,
    points: days.map((d, i) => `${round(x(i))},${round(y(d[s.key]))}`).join(' '),
    total: days.reduce((sum, d) => sum + d[s.key], 0),
  }));
  const gridLines = [0, 0.5, 1].map((f) => ({ y: round(y(top * f)), label: String(Math.round(top * f)) }));
  // Every 7th day from the last one backwards, so the newest day is always labelled and no two labels touch.
  const xLabels = days.flatMap((d, i) =>
    (days.length - 1 - i) % 7 === 0
      ? [{ x: round(x(i)), label: d.day.slice(5), anchor: i === days.length - 1 ? ('end' as const) : ('middle' as const) }]
      : [],
  );
  const first = days[0]?.day ?? '';
  const last = days[days.length - 1]?.day ?? '';
  const summary = `From ${first} to ${last}: ${series.map((s) => `${s.total} ${s.label.toLowerCase()}`).join(', ')}.`;
  return { width: W, height: H, series, gridLines, xLabels, summary };
}

/** 1, 2, 5, 10, 20, 50…: a round top for the axis at or above `n`. */
function niceCeiling(n: number): number {
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power;
  return 10 * power;
}
