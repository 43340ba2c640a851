// Client-side callbacks (Dash `ClientsideFunction`, namespace "stockdash"): no server round trip.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    stockdash: {
        // How wide the screen is (a phone's tables get fewer columns), told once at load when the
        // price chart is drawn: the movers, the live table and the screener wait for it, so they
        // do not hold up the chart a visitor came for (at most WAIT_MS; at once for a link to the
        // screener).
        viewport: function () {
            const WAIT_MS = 4000;
            const started = performance.now();
            return new Promise(function (resolve) {
                const check = function () {
                    const drawn = document.querySelector('#price-chart .main-svg');
                    const screener = window.location.hash.startsWith('#screener');
                    if (drawn || screener || performance.now() - started > WAIT_MS) {
                        requestAnimationFrame(function () {
                            resolve({narrow: window.matchMedia('(max-width: 640px)').matches});
                        });
                    } else {
                        setTimeout(check, 50);
                    }
                };
                check();
            });
        },
        // Parts built only once the first chart is drawn (components.drawn_after_chart): the
        // viewport is reported then, and every such part's one tab is selected.
        after_chart: function (viewport) {
            const parts = window.dash_clientside.callback_context.outputs_list;
            return viewport ? parts.map(function () { return 'drawn'; }) : window.dash_clientside.no_update;
        },
        // The first chart is drawn before the page knows its width: a phone that opened 5Y or Max
        // with no interval chosen hands the view back (marked narrow), so the chart redraws weekly
        // (stockdash/web/chart/options.py interval_of). Nothing goes to the server otherwise.
        phone_weekly: function (viewport, view) {
            const noUpdate = window.dash_clientside.no_update;
            const long = view && (view.period === '5Y' || view.period === 'Max');
            if (!viewport || !viewport.narrow || !long || view.interval || (view.compare || []).length) {
                return noUpdate;
            }
            return Object.assign({}, view, {narrow: true});
        },
        // A clicked mover row or stock tile charts it: its symbol goes to the ticker box, and the
        // chart comes into view. A sector tile zooms in instead (plotly does that by itself).
        chart_clicked: function (gainerClick, loserClick, tileClick) {
            const noUpdate = window.dash_clientside.no_update;
            const trig = (window.dash_clientside.callback_context.triggered || [])[0] || {};
            let symbol = null;
            if (trig.prop_id && trig.prop_id.startsWith('sector-treemap')) {
                const p = (tileClick && tileClick.points && tileClick.points[0]) || {};
                const id = String(p.id || '');
                symbol = id.startsWith('t:') ? id.slice(2) : null;
            } else {
                const click = trig.prop_id && trig.prop_id.startsWith('gainers') ? gainerClick : loserClick;
                symbol = (click && click.rowId) || null;
            }
            if (!symbol) { return noUpdate; }
            window.scrollTo({top: 0, behavior: 'smooth'});
            return symbol;
        },
    },
});

// dcc.DatePickerRange takes a typed date only on Enter or Tab (plotly/dash#3678): typing a start
// date and then clicking into "To" lost it. Leaving either field by any means now counts as Tab,
// which the component handles by reading the typed text.
document.addEventListener('focusout', function (event) {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.closest('.dash-datepicker')) { return; }
    if (!input.classList.contains('dash-datepicker-start-date')
        && !input.classList.contains('dash-datepicker-end-date')) { return; }
    input.dispatchEvent(new KeyboardEvent('keydown', {key: 'Tab', code: 'Tab', bubbles: true}));
}, true);
