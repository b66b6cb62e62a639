"""Networks: the Johnson feed-forward transform net, AdaIN, Ghiasi's arbitrary-style nets (with Magenta's
MobileNetV2 predictor) and MicroAST."""
from tfstyle.models.adain import AdaINNet
from tfstyle.models.ghiasi import ArbitraryStyleNet, CompactStylePredictor, StylePredictor, StyleTransferNet
from tfstyle.models.johnson import JohnsonNet
from tfstyle.models.microast import MicroASTNet
from tfstyle.models.mobilenet_predictor import MobileNetStylePredictor

__all__ = ["AdaINNet", "ArbitraryStyleNet", "CompactStylePredictor", "JohnsonNet", "MicroASTNet",
           "MobileNetStylePredictor", "StylePredictor", "StyleTransferNet"]
