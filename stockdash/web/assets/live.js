// The live card in the browser: table cells (session badge, sparkline), pausing the refresh while
// the tab is hidden, toasts and notifications for fired alerts. Namespace "live" of dash_clientside.
(function () {
    const h = (...args) => window.React.createElement(...args);
    const SESSIONS = {pre: 'Pre-market', regular: 'Regular', post: 'After hours', close: 'Close', day24: '24h'};
    const TOASTED = 'stockdash-live-toasted';  // fired ids already shown, so a reload shows none again
    const TOAST_MS = 12000;

    const grid = window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {};

    grid.SessionBadge = function (props) {
        const s = props.value;
        if (!s) { return h('span', {className: 'muted'}, props.data && props.data.note ? '–' : ''); }
        return h('span', {className: 'badge badge-' + s}, SESSIONS[s] || s);
    };

    // Today's closes as a small line; green or red as the day's change, a dot on the latest price.
    grid.Sparkline = function (props) {
        const v = (props.value || []).filter(x => typeof x === 'number');
        if (v.length < 2) { return h('span', {className: 'muted'}, '–'); }
        const w = 104, ht = 24, pad = 2;
        const lo = Math.min(...v), hi = Math.max(...v), span = (hi - lo) || 1;
        const xy = v.map((y, i) => [pad + i * (w - 2 * pad) / (v.length - 1), pad + (hi - y) * (ht - 2 * pad) / span]);
        const change = props.data && props.data.change;
        const colour = change > 0 ? '#0f9d58' : (change < 0 ? '#d93025' : '#6b7280');
        const last = xy[xy.length - 1];
        return h('svg', {width: w, height: ht, className: 'spark', 'aria-hidden': 'true'},
            h('polyline', {points: xy.map(p => p[0].toFixed(1) + ',' + p[1].toFixed(1)).join(' '),
                fill: 'none', stroke: colour, strokeWidth: 1.4, strokeLinejoin: 'round'}),
            h('circle', {cx: last[0], cy: last[1], r: 2.2, fill: colour}));
    };

    function toasted() {
        try { return JSON.parse(window.localStorage.getItem(TOASTED) || '[]'); } catch (e) { return []; }
    }

    function toast(entry) {
        const box = document.getElementById('live-toasts');
        if (!box) { return; }
        const el = document.createElement('div');
        el.className = 'toast';
        el.setAttribute('role', 'alert');
        el.dataset.alertId = entry.id;
        const title = document.createElement('strong');
        title.textContent = 'Alert · ' + entry.symbol;
        const text = document.createElement('span');
        text.textContent = entry.text;
        const close = document.createElement('button');
        close.className = 'toast-close';
        close.textContent = '✕';
        close.title = 'Dismiss';
        close.onclick = () => el.remove();
        el.append(title, text, close);
        box.prepend(el);
        setTimeout(() => el.remove(), TOAST_MS);
    }

    function notify(entry) {
        if (!('Notification' in window) || Notification.permission !== 'granted') { return; }
        try { new Notification('stockdash alert · ' + entry.symbol, {body: entry.text, tag: entry.id}); } catch (e) { /* mobile: page notifications unsupported */ }
    }

    function permissionText(p) {
        return {granted: 'Notifications on', denied: 'Notifications blocked in this browser',
            default: ''}[p] || '';
    }

    window.dash_clientside = Object.assign({}, window.dash_clientside, {
        live: {
            // Pause the interval while the tab is hidden; when shown, it resumes and its next
            // refresh asks for everything after the last point the chart holds.
            pause_when_hidden: function (id) {
                if (!window.__liveVisibility) {
                    window.__liveVisibility = true;
                    document.addEventListener('visibilitychange', function () {
                        window.dash_clientside.set_props(id, {disabled: document.hidden});
                    });
                }
                return document.hidden;
            },
            // The refresh's rows as a transaction: updated in place (getRowId), changed cells flash.
            // Rows the grid no longer holds (removed while the refresh was on its way) are left out.
            update_rows: function (tx, rowData) {
                const have = new Set((rowData || []).map(r => r.symbol));
                const update = ((tx && tx.update) || []).filter(r => have.has(r.symbol));
                return update.length ? {update: update} : window.dash_clientside.no_update;
            },
            // A toast (and a notification, if allowed) for each fired alert not shown before.
            toast_fired: function (fired) {
                const shown = toasted();
                const fresh = (fired || []).filter(f => f && f.id && !shown.includes(f.id));
                if (!fresh.length) { return window.dash_clientside.no_update; }
                fresh.slice().reverse().forEach(f => { toast(f); notify(f); });
                const keep = shown.concat(fresh.map(f => f.id)).slice(-200);
                window.localStorage.setItem(TOASTED, JSON.stringify(keep));
                return window.dash_clientside.no_update;
            },
            ask_notifications: function (clicks) {
                if (!('Notification' in window)) { return 'Notifications are not available in this browser'; }
                if (clicks && Notification.permission === 'default') {
                    Notification.requestPermission().then(function (p) {
                        window.dash_clientside.set_props('live-notify-state', {children: permissionText(p)});
                    });
                }
                return permissionText(Notification.permission);
            },
        },
    });
})();
