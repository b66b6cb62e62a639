"""The perceptual toolkit: VGG19 features, Gram/content/TV losses, the perceptual loss, metrics."""
