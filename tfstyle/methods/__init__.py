"""The stylization methods users call: fast, arbitrary, optimization, fitting, Magenta, folders."""
