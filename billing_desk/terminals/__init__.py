"""Terminals at the desks: the administrators' list, "Charge on terminal" and the waiting screen."""
