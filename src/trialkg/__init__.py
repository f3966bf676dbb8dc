"""trialkg: a knowledge graph of clinical trials for imaging and targeted-therapy research."""

__version__ = "0.1.0"
