"""Factories and fixtures shared by the test tiers."""
