"""The owner's delivered alerts in the page: sign in with ADMIN_TOKEN, then manage the rules."""
