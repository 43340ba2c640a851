// Build stockdash's two browser bundles into stockdash/web/vendor/, minified, no source maps:
//  * plotly.js with the candlestick, scatter, bar and treemap traces only, with the options of
//    plotly.js's own esbuild-config.js (an iife exposing window.Plotly, `global` as window, es2016);
//  * regenerator-runtime, the part of @babel/polyfill that Dash's scripts still use.
// `npm ci && npm run build` writes the same bytes every time; the app serves the committed files.
// `node build.mjs OUTDIR` writes them elsewhere (the test that rebuilds them compares).
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const OUTDIR = process.argv[2] ?? '../stockdash/web/vendor';
const version = (name) => JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')).version;
const common = {
    format: 'iife',
    bundle: true,
    minify: true,
    sourcemap: false,
    legalComments: 'eof',
    target: 'es2016',
    logLevel: 'info',
};

await build({
    ...common,
    entryPoints: ['plotly.js'],
    outfile: `${OUTDIR}/plotly-stockdash.min.js`,
    globalName: 'Plotly',
    banner: { js: `/*! plotly.js v${version('plotly.js')} (MIT, https://github.com/plotly/plotly.js): scatter, bar, candlestick, treemap only; built by stockdash frontend/ */` },
    define: { global: 'window', 'define.amd': 'false' },
    // Only map traces use CSS (maplibre-gl's); none is registered here.
    loader: { '.css': 'empty' },
});

await build({
    ...common,
    entryPoints: ['regenerator.js'],
    outfile: `${OUTDIR}/regenerator-runtime.min.js`,
    banner: { js: `/*! regenerator-runtime v${version('regenerator-runtime')} (MIT, https://github.com/facebook/regenerator) */` },
});
