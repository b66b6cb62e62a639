"""Networks: the Johnson feed-forward transform net, AdaIN, and Ghiasi's arbitrary-style nets."""
from tfstyle.models.adain import AdaINNet
from tfstyle.models.ghiasi import ArbitraryStyleNet, CompactStylePredictor, StylePredictor, StyleTransferNet
from tfstyle.models.johnson import JohnsonNet

__all__ = ["AdaINNet", "ArbitraryStyleNet", "CompactStylePredictor", "JohnsonNet", "StylePredictor",
           "StyleTransferNet"]
