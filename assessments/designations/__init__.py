"""Demonstration and pilot branches, yearly classification and lagging-branch follow-up."""
