"""Train one cell: model zoo, accounting, data, schedule and the loop."""
