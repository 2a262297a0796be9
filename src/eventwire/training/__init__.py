"""Every fit: the event model, the quote tagger, the cue lexicon, the knowledge base.

Sits above the run-time stages; no stage imports it. Needs the ``[train]`` extra (torch,
transformers, the MiniLM weights) for the neural models.
"""
