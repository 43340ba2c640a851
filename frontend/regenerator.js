// Dash's renderer and dcc call the global `regeneratorRuntime` that @babel/polyfill used to
// provide; the rest of that polyfill is native in every browser React 18 runs in.
'use strict';

window.regeneratorRuntime = require('regenerator-runtime/runtime');
