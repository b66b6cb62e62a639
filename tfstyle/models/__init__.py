"""Networks: the Johnson feed-forward transform net and AdaIN."""
from tfstyle.models.adain import AdaINNet
from tfstyle.models.johnson import JohnsonNet

__all__ = ["AdaINNet", "JohnsonNet"]
