"""Figures 1-24 of the paper, one module each, drawn from our runs and fits with the paper's lines."""
