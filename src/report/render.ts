/**
 * Rendering Vega-Lite specs headlessly: Vega-Lite -> Vega -> SVG (vega's own SVG
 * renderer, no browser, no canvas), and SVG -> PNG with resvg, given the font shipped in
 * assets/fonts (resvg draws no text without a font file, and is given no system font, so
 * PNGs are the same on every machine). The SVG text names a font stack (CHART_FONT:
 * system-ui first, for browsers); resvg takes the first family of the stack it has, DejaVu
 * Sans, and falls back to it for `sans-serif`. The same spec gives the same bytes.
 */
import { fileURLToPath } from 'node:url';
import type { TopLevelSpec } from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';

/** The font files PNGs are rendered with (DejaVu Sans, Bitstream Vera licence: assets/fonts/LICENSE). */
export const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => fileURLToPath(new URL(`../../assets/fonts/${f}`, import.meta.url)));

/**
 * Renders a Vega-Lite spec to an SVG document (text). Every mark item with a tooltip
 * (its `aria-label`, from the spec's tooltip fields) gets an SVG `<title>`: the browser
 * shows it on hover, with no script and no network.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // vega and vega-lite are ES modules only: imported here, on first use, so that the
  // CommonJS bundle of the CLI (scripts/bundle.mjs) keeps them out and never require()s them.
  const [{ compile }, { parse, View }] = await Promise.all([import('vega-lite'), import('vega')]);
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return svgTooltips(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/** Adds a `<title>` child, from its aria-label, to every self-closing mark item of a Vega SVG (axes and legends are left alone). */
export function svgTooltips(svg: string): string {
  return svg.replace(/<(path|circle|rect|line|text|image)\b([^<>]*?)\/>/g, (whole, tag: string, attrs: string) => {
    const label = /\saria-label="([^"]*)"/.exec(attrs);
    const role = /\saria-roledescription="([^"]*)"/.exec(attrs)?.[1] ?? '';
    if (!label || !/role="graphics-symbol"/.test(attrs) || /axis|legend|title/.test(role)) return whole;
    return `<${tag}${attrs}><title>${label[1]}</title></${tag}>`;
  });
}

/** Renders an SVG document to PNG at `scale` times its size (default 2, for sharp text). */
export function renderPng(svg: string, scale = 2): Buffer {
  const r = new Resvg(svg, {
    font: { fontFiles: FONT_FILES, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
  });
  return r.render().asPng();
}
