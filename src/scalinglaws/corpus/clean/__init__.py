"""Cleaning of document tables: unicode repair, boilerplate, length/TOC, language, de-duplication.

``pipeline.clean`` runs the filters in order and reports what each removed; ``decontam`` measures
n-gram overlap between the train split and every held-out set.
"""
