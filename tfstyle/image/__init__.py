"""Images: file I/O, colour transfer, SSIM and blending, in NumPy and Pillow."""
