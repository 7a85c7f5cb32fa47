"""Scaling laws for neural language models, reproduced end to end.

The sub-packages name the pipeline's stages, in order: ``corpus``, ``tokenize``, ``train``,
``evaluate``, ``fit`` and ``figures``. Snakemake rules under ``workflow/`` call into them.
"""

__version__ = "0.1.0"
