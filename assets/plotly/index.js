'use strict';

// Entry point of the custom Plotly.js bundle served by the app from
// app/static/vendor/plotly/plotly-custom.min.js (built by build.sh).
// Only the trace types used by the diagnostic charts are registered,
// plus the French locale so that `config: {locale: 'fr'}` works.

var Plotly = require('plotly.js/lib/core');

Plotly.register([
    // traces
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/scatterpolar'), // radar charts
    require('plotly.js/lib/box'),
    require('plotly.js/lib/scatter'),
    require('plotly.js/lib/pie'),

    // locales
    require('plotly.js/lib/locales/fr')
]);

module.exports = Plotly;
