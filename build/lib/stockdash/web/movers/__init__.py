"""Market movers: top gainers and losers per horizon and group, and the sector map."""
