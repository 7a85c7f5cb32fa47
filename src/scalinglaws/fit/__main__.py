"""``python -m scalinglaws.fit {suite,L_N,...} --runs runs.parquet [--curves ...] --out ...``."""

from scalinglaws.fit.suite import main

main()
