"""Templates for `sentinel schedule` (see sentinel/schedule.py)."""
