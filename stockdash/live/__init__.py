"""Live prices: one upstream stream (or polling, or a demo walk) into latest quotes and minute bars."""
