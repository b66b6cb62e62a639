"""Video: file decoding and encoding, frame-by-frame stylization, temporal consistency."""
