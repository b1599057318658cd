"""Statements of account (page, PDF, email) and the aging report of outstanding invoice balances."""
