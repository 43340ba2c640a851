"""stockdash: a stock market dashboard (Dash web app, APScheduler clock, yfinance data)."""
