"""Administrators' pages: statistics (with CSV downloads), background jobs and Paystack reconciliation."""
