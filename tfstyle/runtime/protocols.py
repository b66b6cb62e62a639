"""What a network offers, named: the protocols tiling, video, export and ``stylize_arbitrary`` dispatch on.

Families of networks meet the rest of tfstyle here, never through class checks:

* :class:`NormStatsNet`: a feed-forward network whose instance norms can take given statistics,
  ``net(images, stats=None)`` and ``net.norm_stats(images)`` on ``(1, H, W, 3)`` float32 in
  [0, 255]. Tiling shares one image's statistics across its tiles
  (:func:`tfstyle.runtime.tiling.stylize_tiled`); video smooths them across frames. Johnson nets, a
  conditioned Ghiasi/Magenta transfer net, MicroAST and AdaIN bound to a style code, and a preset's
  LiteRT files offer it.
* :class:`ArbitraryStylizer`: an arbitrary-style network seen by what it does: a style image ->
  a code (:meth:`~ArbitraryStylizer.style_code`), codes mixed by weight and strength
  (:meth:`~ArbitraryStylizer.mix`), a code -> a :class:`NormStatsNet`
  (:meth:`~ArbitraryStylizer.conditioned`), and the last step of the strength recipe
  (:meth:`~ArbitraryStylizer.finish`). :meth:`CodeStylizer.paint` is the recipe, written once.
* :class:`HasStylizer`: a network that hands out its adapter (``net.stylizer()``). Each family
  owns one adapter: Ghiasi/Magenta (:class:`~tfstyle.models.ghiasi.GhiasiStylizer`), MicroAST,
  AdaIN, a preset's LiteRT files, Magenta's published models.

:class:`FittedStyle` (a style already turned into a Ghiasi network's parameters by
:func:`tfstyle.fit_style`) lives here too: it is a style code, and the LiteRT path must recognise
one without importing Keras.

Example:
    >>> import numpy as np
    >>> class Mean:
    ...     def __call__(self, images, stats=None):
    ...         return images
    ...     def norm_stats(self, images):
    ...         return [(images.mean((1, 2)), images.var((1, 2)))]
    >>> isinstance(Mean(), NormStatsNet), isinstance(np.zeros(2), NormStatsNet)
    (True, False)
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from tfstyle.atomic import atomic_path
from tfstyle.errors import OptionError
from tfstyle.image.blend import fade_to_photo, normalize_weights

__all__ = ["ArbitraryStylizer", "CodeStylizer", "FittedStyle", "HasStylizer", "NormStatsNet", "NormalizedConvNet",
           "PredictorTransferNet", "as_stylizer", "no_fitted_styles"]


@runtime_checkable
class NormStatsNet(Protocol):
    """A feed-forward stylization network whose instance norms can take given statistics."""

    def __call__(self, images, stats=None):
        """``(1, H, W, 3)`` float32 in [0, 255] -> the same shape; ``stats`` from :meth:`norm_stats` (else the
        images' own)."""

    def norm_stats(self, images) -> list:
        """The ``(mean, var)`` (or ``(mean, std)``) pairs every instance norm computes on ``images``."""


@runtime_checkable
class NormalizedConvNet(Protocol):
    """A network whose convolutions each feed an instance norm: INT8 export equalizes their channels
    (:func:`tfstyle.export.equalize.equalize_instance_norm`) and QAT fine-tunes them (Johnson nets and
    Ghiasi transfer nets)."""

    def normalized_convs(self) -> list:
        """The convolutions whose outputs an instance norm normalizes, in order."""

    def norm_stats(self, images) -> list:
        """As :meth:`NormStatsNet.norm_stats`."""


@runtime_checkable
class PredictorTransferNet(Protocol):
    """An arbitrary-style network in two parts: a style predictor (image -> ``style_dim`` numbers) and a
    conditional transfer network; exported as two files (Ghiasi/Magenta). Families that take the style
    image straight into the network (AdaIN, MicroAST) export as one file."""

    predictor: Any
    transfer: Any
    style_dim: int


@runtime_checkable
class ArbitraryStylizer(Protocol):
    """An arbitrary-style network's adapter: style -> code -> a network painting any photo."""

    #: The family's name in messages ("Ghiasi", "MicroAST", "AdaIN", "LiteRT files", "Magenta").
    family: str
    #: Whether fitted styles (``fit_steps``, :class:`FittedStyle`) apply to this family.
    fits_styles: bool

    def style_code(self, style) -> Any:
        """One style (an ``(H, W, 3)`` image in [0, 255], or a :class:`FittedStyle` where fitted styles apply)
        -> its code."""

    def mix(self, codes: Sequence, weights: Sequence[float] | None, content: np.ndarray, strength: float) -> Any:
        """The one code that paints ``codes`` blended by ``weights`` at ``strength`` on ``content``."""

    def conditioned(self, code) -> NormStatsNet:
        """A one-style network for ``code``: tiles and video frames run through it."""

    def finish(self, painted: np.ndarray, content: np.ndarray, strength: float) -> np.ndarray:
        """The strength recipe's last step on a painted ``(H, W, 3)`` float image."""

    def paint(self, content: np.ndarray, styles: Sequence, *, strength: float = 1.0,
              style_weights: Sequence[float] | None = None, mask: np.ndarray | None = None,
              **tiling) -> np.ndarray:
        """``content`` (float32 ``(H, W, 3)``) painted with ``styles``: float32 ``(H, W, 3)`` in [0, 255]."""


@runtime_checkable
class HasStylizer(Protocol):
    """A network that hands out its :class:`ArbitraryStylizer` adapter."""

    def stylizer(self) -> ArbitraryStylizer:
        """This network's adapter."""


def no_fitted_styles(family: str) -> OptionError:
    """The error for fitted styles (``fit_steps``, :class:`FittedStyle`) given to a family that cannot take them."""
    return OptionError(f"fitted styles (fit_steps, FittedStyle) belong to Ghiasi networks (ArbitraryStyleNet), "
                       f"not {family}")


def as_stylizer(net: Any) -> ArbitraryStylizer:
    """``net``'s :class:`ArbitraryStylizer`, or a one-line :class:`OptionError` for a network that has none.

    Example:
        >>> as_stylizer(object())
        Traceback (most recent call last):
        ...
        tfstyle.errors.OptionError: model is a object, not an arbitrary-style network (see 'tfstyle presets')
    """
    if isinstance(net, ArbitraryStylizer):
        return net
    if isinstance(net, HasStylizer):
        return net.stylizer()
    raise OptionError(f"model is a {type(net).__name__}, not an arbitrary-style network (see 'tfstyle presets')")


class CodeStylizer:
    """The strength recipe, written once, for every family that codes styles and conditions a network.

    Subclasses give :meth:`style_code`, :meth:`conditioned` and say how strength works:
    ``mixes_own_code`` (below strength 1 the photo's own code is mixed in, ``strength * styles +
    (1 - strength) * own``: Ghiasi's recipe, and exactly AdaIN's ``alpha``) or not (MicroAST: the
    picture is blended with the photo), and ``fades_to_photo`` (Ghiasi: below
    :data:`tfstyle.image.blend.FADE_BELOW` the picture also fades into the photo, since mixed codes
    never give the photo back).
    """

    family = "arbitrary"
    fits_styles = False
    mixes_own_code = True
    fades_to_photo = False

    def style_code(self, style) -> Any:
        raise NotImplementedError

    def conditioned(self, code) -> NormStatsNet:
        raise NotImplementedError

    def own_code(self, content: np.ndarray) -> Any:
        """The photo's own code, mixed in below strength 1 (``mixes_own_code``)."""
        return self.style_code(content)

    def check_style(self, style) -> None:
        """A one-line :class:`OptionError` for a :class:`FittedStyle` given to a family that cannot take one."""
        if isinstance(style, FittedStyle) and not self.fits_styles:
            raise no_fitted_styles(self.family)

    def mix(self, codes: Sequence, weights: Sequence[float] | None, content: np.ndarray, strength: float) -> Any:
        weights = normalize_weights(weights, len(codes), "style_weights")
        mixed = _weighted(codes, weights)
        if strength < 1 and self.mixes_own_code:
            own = self.own_code(content)
            mixed = _weighted([mixed, own], [strength, 1.0 - strength])
        return mixed

    def finish(self, painted: np.ndarray, content: np.ndarray, strength: float) -> np.ndarray:
        if self.fades_to_photo:
            return fade_to_photo(painted, content, strength)
        if self.mixes_own_code or strength >= 1:
            return painted
        return strength * np.asarray(painted, np.float32) + (1.0 - strength) * np.asarray(content, np.float32)

    def paint(self, content: np.ndarray, styles: Sequence, *, strength: float = 1.0,
              style_weights: Sequence[float] | None = None, mask: np.ndarray | None = None,
              **tiling) -> np.ndarray:
        """Codes of ``styles`` blended (or two regions by ``mask``, ``(H, W, 1)`` in [0, 1]), painted through
        tiles that share the photo's statistics (``tiling``: :func:`~tfstyle.runtime.tiling.stylize_tiled`'s
        options), finished by strength."""
        from tfstyle.runtime.tiling import stylize_tiled

        for style in styles:
            self.check_style(style)
        codes = [self.style_code(style) for style in styles]

        def paint(selected: list, weights) -> np.ndarray:
            return stylize_tiled(self.conditioned(self.mix(selected, weights, content, strength)), content, **tiling)

        if mask is None:
            out = paint(codes, style_weights)
        else:
            out = mask * paint(codes[:1], None) + (1.0 - mask) * paint(codes[1:], None)
        return self.finish(out, content, strength)


def _weighted(codes: Sequence, weights: Sequence[float]) -> Any:
    """``sum(w * code)`` (summed in float64, returned as float32) over codes that are arrays or lists of them."""
    first = codes[0]
    if isinstance(first, (list, tuple)):
        return type(first)(_weighted([code[i] for code in codes], weights) for i in range(len(first)))
    return sum(w * np.asarray(code, np.float64) for w, code in zip(weights, codes)).astype(np.float32)


@dataclass(frozen=True)
class FittedStyle:
    """A style fitted by :func:`tfstyle.fit_style`: flat style parameters of one transfer network.

    Attributes:
        params: ``(parameter_count,)`` float32, the layout of
            :meth:`~tfstyle.models.ghiasi.StyleTransferNet.style_parameters`.
        style_losses: the fitting loss's style term before each step (it should go down).

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> path = os.path.join(tempfile.mkdtemp(), "painting.npz")
        >>> FittedStyle(np.zeros(8, "float32"), (0.5, 0.25)).save(path)
        >>> FittedStyle.load(path).style_losses
        (0.5, 0.25)
    """

    params: np.ndarray
    style_losses: tuple[float, ...] = ()

    def save(self, path: str | os.PathLike) -> None:
        """Write an ``.npz`` file (never left half-written)."""
        path = os.fspath(path)
        if not path.endswith(".npz"):
            raise OptionError(f"a fitted style is saved as .npz, got {path!r}")
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            np.savez(f, params=self.params, style_losses=np.asarray(self.style_losses, np.float64))

    @classmethod
    def load(cls, path: str | os.PathLike) -> FittedStyle:
        """Read a file written by :meth:`save`."""
        try:
            with np.load(os.fspath(path)) as data:
                return cls(np.asarray(data["params"], np.float32), tuple(float(x) for x in data["style_losses"]))
        except (OSError, ValueError, KeyError) as error:
            raise OptionError(f"{os.fspath(path)!r} is not a fitted style (.npz from FittedStyle.save): {error}") \
                from None
