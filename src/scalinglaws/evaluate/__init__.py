"""Evaluate finished runs on the test split and on every out-of-distribution set."""
