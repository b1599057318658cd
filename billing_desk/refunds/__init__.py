"""Refunds (card through Paystack, cash at the desk) and the review of payments Paystack reported that the
desk could not apply. Administrators only."""
