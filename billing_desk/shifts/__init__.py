"""Cashier shifts: an opening float, the money taken in between, and a counted drawer at the close (Z report)."""
