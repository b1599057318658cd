"""Signing in and out, roles, and the guards views use."""
