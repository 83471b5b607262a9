"""Sentinel."""
