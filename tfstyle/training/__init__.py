"""Training feed-forward style networks (Keras ``fit``, any backend)."""
