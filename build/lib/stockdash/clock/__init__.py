"""The clock process: decides *when* jobs run (NYSE closes, keep-alive, housekeeping); never fetches."""
