"""Paystack integration: API client, webhook signature checks."""
