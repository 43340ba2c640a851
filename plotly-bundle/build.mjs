// Build the partial plotly.js bundle with the options of plotly.js's own esbuild-config.js
// (an iife exposing window.Plotly, `global` as window, es2016), minified, no source map.
// `npm ci && npm run build` writes the same bytes every time; the app serves the committed file.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const OUT = '../stockdash/web/vendor/plotly-stockdash.min.js';
const { version } = JSON.parse(readFileSync('node_modules/plotly.js/package.json', 'utf8'));

await build({
    entryPoints: ['index.js'],
    outfile: OUT,
    format: 'iife',
    globalName: 'Plotly',
    bundle: true,
    minify: true,
    sourcemap: false,
    legalComments: 'eof',
    banner: { js: `/*! plotly.js v${version} (MIT, https://github.com/plotly/plotly.js): scatter, bar, candlestick, treemap only; built by stockdash plotly-bundle/ */` },
    define: { global: 'window', 'define.amd': 'false' },
    // Only map traces use CSS (maplibre-gl's); none is registered here.
    loader: { '.css': 'empty' },
    target: 'es2016',
    logLevel: 'info',
});
