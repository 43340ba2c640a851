// Client-side callbacks (Dash `ClientsideFunction`, namespace "stockdash"): no server round trip.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    stockdash: {
        // A clicked mover row or stock tile charts it: bring the chart into view.
        scroll_to_chart: function (gainerClick, loserClick, tileClick) {
            const trig = (window.dash_clientside.callback_context.triggered || [])[0] || {};
            if (trig.prop_id && trig.prop_id.startsWith('sector-treemap')) {
                const p = (tileClick && tileClick.points && tileClick.points[0]) || {};
                if (!String(p.id || '').startsWith('t:')) { return window.dash_clientside.no_update; }
            }
            window.scrollTo({top: 0, behavior: 'smooth'});
            return window.dash_clientside.no_update;
        },
    },
});
