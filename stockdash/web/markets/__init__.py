"""The markets strip: indices, volatility, the 10-year yield, gold, crude, EUR/USD and bitcoin at a glance."""
