"""The screener: presets and a filter builder over the daily snapshot, and its API."""
