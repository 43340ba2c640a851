"""The price chart: one ticker or up to five compared, its header, periods and overlays."""
