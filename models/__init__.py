"""Vensim models of the technology-industry-finance cycle (installed as ``cycle.models``)."""
