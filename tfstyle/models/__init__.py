"""Networks: the Johnson feed-forward transform net, AdaIN, and Ghiasi's arbitrary-style nets."""
from tfstyle.models.adain import AdaINNet
from tfstyle.models.ghiasi import ArbitraryStyleNet, CompactStylePredictor, StylePredictor, StyleTransferNet
from tfstyle.models.johnson import JohnsonNet
from tfstyle.models.microast import MicroASTNet  # noqa: F401  (MicroAST, Wang et al. 2023)

__all__ = ["AdaINNet", "ArbitraryStyleNet", "CompactStylePredictor", "JohnsonNet", "StylePredictor",
           "StyleTransferNet"]
