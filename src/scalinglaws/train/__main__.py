"""``python -m scalinglaws.train``: train one cell (see ``scalinglaws.train.cli``)."""

from scalinglaws.train.cli import main

main()
