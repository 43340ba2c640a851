// The screener tab in the browser (namespace "screener" of dash_clientside): which view shows,
// a clicked row charting its symbol, the CSV download of the rows shown.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    screener: {
        show_tab: function (tab) {
            const screen = tab === 'screener';
            return [{display: screen ? 'none' : 'block'}, {display: screen ? 'block' : 'none'}];
        },
        row_clicked: function (click) {
            const symbol = click && click.rowId;
            if (!symbol) { return [window.dash_clientside.no_update, window.dash_clientside.no_update]; }
            window.scrollTo({top: 0, behavior: 'smooth'});
            return [symbol, 'chart'];
        },
        export_csv: function (clicks) {
            return clicks ? true : window.dash_clientside.no_update;
        },
    },
});
