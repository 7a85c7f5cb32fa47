"""``python -m scalinglaws.corpus``: the corpus stage's steps (see ``scalinglaws.corpus.cli``)."""

from scalinglaws.corpus.cli import main

main()
