"""Networks: the Johnson feed-forward transform net, AdaIN, Ghiasi's arbitrary-style nets and MicroAST."""
from tfstyle.models.adain import AdaINNet
from tfstyle.models.ghiasi import ArbitraryStyleNet, CompactStylePredictor, StylePredictor, StyleTransferNet
from tfstyle.models.johnson import JohnsonNet
from tfstyle.models.microast import MicroASTNet

__all__ = ["AdaINNet", "ArbitraryStyleNet", "CompactStylePredictor", "JohnsonNet", "MicroASTNet", "StylePredictor",
           "StyleTransferNet"]
