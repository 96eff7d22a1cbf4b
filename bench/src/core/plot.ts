/**
 * Plots as SVG files, drawn by Vega-Lite (no browser, no canvas: the SVG
 * renderer estimates text widths). One line per series ("ours", "Janus"...).
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Series } from './figure.ts';

const WIDTH = 520;
const HEIGHT = 280;

export function plotSpec(series: Series): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: series.title,
    width: WIDTH,
    height: HEIGHT,
    background: 'white',
    data: { values: series.points.map((p) => ({ series: p.series, x: p.x, y: p.y })) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: series.xLabel },
      y: {
        field: 'y',
        type: 'quantitative',
        title: series.yLabel,
        scale: series.logY ? { type: 'log' } : { zero: true },
      },
      color: { field: 'series', type: 'nominal', title: null },
    },
  };
}

/** The plot of one series, as an SVG document. */
export async function renderSvg(series: Series): Promise<string> {
  const { spec } = compile(plotSpec(series));
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
