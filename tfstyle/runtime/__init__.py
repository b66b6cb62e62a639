"""Running networks: LiteRT files, the shipped presets' cached files, tiling, the network protocols."""
