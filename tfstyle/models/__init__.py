"""Networks: the Johnson feed-forward transform net, AdaIN, and Ghiasi's arbitrary-style nets (and Magenta's predictor)."""
from tfstyle.models.adain import AdaINNet
from tfstyle.models.ghiasi import ArbitraryStyleNet, CompactStylePredictor, StylePredictor, StyleTransferNet
from tfstyle.models.johnson import JohnsonNet
from tfstyle.models.mobilenet_predictor import MobileNetStylePredictor

__all__ = ["AdaINNet", "ArbitraryStyleNet", "CompactStylePredictor", "JohnsonNet", "MobileNetStylePredictor",
           "StylePredictor", "StyleTransferNet"]
