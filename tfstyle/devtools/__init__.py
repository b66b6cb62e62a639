"""Tools for maintainers: the machine's description, reading PyTorch checkpoints."""
