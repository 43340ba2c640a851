// The trace types stockdash draws, and nothing else: scatter comes with plotly.js's core.
'use strict';

var Plotly = require('plotly.js/lib/core');

Plotly.register([
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/candlestick'),
    require('plotly.js/lib/treemap'),
]);

module.exports = Plotly;
