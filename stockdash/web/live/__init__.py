"""The live section: a watchlist that moves on its own, today's chart, market status, price alerts."""
