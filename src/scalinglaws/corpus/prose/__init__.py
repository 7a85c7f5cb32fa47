"""Offline prose added to the training corpus (the WebText stand-in is narrow documentation).

``readers`` parses the formats (King James Bible verses as the ``bible`` program prints them,
fortune cookie files, the Jargon File's text edition, dictd dictionaries); ``sets`` wires them to
registry artefacts fetched by ``scalinglaws.corpus.ood.fetch`` and writes one document table.
None of these texts is in an OOD set; the decontamination report measures what they share.
"""
