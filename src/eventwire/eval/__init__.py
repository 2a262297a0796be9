"""Evaluators: readers for the labelled sets (PLV, PolNeAR) and their metrics."""
