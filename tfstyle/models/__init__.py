"""Networks: the Johnson feed-forward transform net (more to come)."""
from tfstyle.models.johnson import JohnsonNet

__all__ = ["JohnsonNet"]
