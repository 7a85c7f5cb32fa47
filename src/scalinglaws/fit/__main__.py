"""``python -m scalinglaws.fit runs.parquet curves.parquet --out DIR``: the whole suite."""

from scalinglaws.fit.suite import main

main()
