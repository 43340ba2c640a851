"""Delivered alerts: the owner's rules, checked by the clock, sent through Apprise once per crossing."""
