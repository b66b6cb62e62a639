"""A new fast style from any painting in about two minutes on a 2-core CPU (``tfstyle new-style``).

The default arbitrary-style network (``tfstyle_mobile_v3``, the phone network) paints any painting
from its predictor's style parameters: a scale and a shift per instance-norm channel, about 1,600
numbers. With those parameters fixed, the network *is* a fast-style network whose instance norms
carry them (:func:`tfstyle.models.ghiasi.fold_style`): a 0.5 MB ``.keras`` that runs, tiles and
exports like the shipped styles. :func:`new_style` starts from the predicted parameters, fits only
them (the convolutions stay the network's) to the painting on a few photos for a time budget, folds
them into a :class:`~tfstyle.models.JohnsonNet` and writes the ``.keras`` (and, with ``tflite=``,
the phone files of :func:`tfstyle.export.export_tflite`).

The fitting loss is the one the network was trained with (squared relative Gram errors at
relu1_1..relu5_1 plus ``content_weight`` x the squared relative content error at relu4_2: the
squares of :mod:`tfstyle.perceptual.metrics`' distances). The predictor's parameters are a
compromise the network learned over many paintings; for one painting the fit lowers the style
distance, and it must not do so by losing the photo. So the content weight is a constraint's
multiplier rather than a fixed trade: after every step on a pair of photos, it grows when that pair's
content loss is above its value at the predicted parameters and shrinks (never below the starting
weight / 4) when it is below. The style distance falls while the content distance stays at or below
the unfitted network's (``benchmarks/results/new_style.md`` measures both on holdout photos).

Photos: by default four public-domain/CC0 photos shipped in ``tfstyle/weights/photos`` (scikit-image's
astronaut, coffee, chelsea and rocket; credits in that folder's README.md); ``photos=`` takes a folder
or a list. Each is cover-cropped to a ``size`` square, and each step uses ``batch`` of them in turn.
"""
from __future__ import annotations

import math
import os
import pathlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from tfstyle.errors import OptionError
from tfstyle.image.io import ImageLike, cover_crop, list_images, load_image
from tfstyle.methods.fit import FIT_LEARNING_RATE, fit_style
from tfstyle.runtime.protocols import FittedStyle, as_stylizer
from tfstyle.weights.presets import load_model

__all__ = ["NewStyle", "new_style", "fold_painting", "default_photos", "PHOTOS_DIR", "NEW_STYLE_SECONDS",
           "phone_file"]

#: The photos a new style is fitted on by default (public domain / CC0; see README.md there).
PHOTOS_DIR = pathlib.Path(__file__).resolve().parents[1] / "weights" / "photos"
#: Default time budget of :func:`new_style` in seconds (setup, fitting, folding and writing): with
#: the command's start-up, ``tfstyle new-style`` ends within two minutes.
NEW_STYLE_SECONDS = 100.0
#: Side of the square fitting photos (the painting is fitted at the same long side, so strokes keep
#: their size relative to the photo, as when the network was trained at 256 px).
NEW_STYLE_SIZE = 256
#: Starting content weight (style weight 1). ``tfstyle_mobile_v3`` was trained at 0.15. At 0.5 the fit kept
#: much more of the photo than the default network (content distance 10-11% lower on holdout photos) but
#: painted less (style distance 1-24% higher) on the first three paintings of ``benchmarks/new_style.py``.
NEW_STYLE_CONTENT_WEIGHT = 0.25
#: Photos per fitting step.
NEW_STYLE_BATCH = 2
#: Side of the phone files (``tflite=``): the Android demo's fast-style size.
PHONE_SIZE = 384
#: Seconds kept for folding and writing the ``.keras``, and per phone file.
_SAVE_SECONDS, _TFLITE_SECONDS = 3.0, 15.0


@dataclass
class NewStyle:
    """What :func:`new_style` made.

    Attributes:
        model: the fast-style network (a :class:`~tfstyle.models.JohnsonNet`).
        path: the ``.keras`` written, or ``None``.
        phone_files: the ``.tflite`` files written (each with its ``.json`` beside it).
        steps: fitting steps taken.
        seconds: wall-clock seconds of the whole call.
        style_losses, content_losses: per step, on that step's photos (squared relative errors).
        start_losses: ``(style, content)`` means over the photos at the predicted parameters.
        content_weight: the content weight the fit ended with.
    """

    model: object
    path: pathlib.Path | None
    phone_files: tuple[pathlib.Path, ...]
    steps: int
    seconds: float
    style_losses: tuple[float, ...] = field(default=())
    content_losses: tuple[float, ...] = field(default=())
    start_losses: tuple[float, float] = (math.nan, math.nan)
    content_weight: float = math.nan


def default_photos() -> list[pathlib.Path]:
    """The shipped fitting photos (``tfstyle/weights/photos``).

    Example:
        >>> sorted(p.stem for p in default_photos())
        ['astronaut', 'chelsea', 'coffee', 'rocket']
    """
    return list_images(PHOTOS_DIR)


def phone_file(output: str | os.PathLike, format: str, size: int = PHONE_SIZE) -> pathlib.Path:
    """Where ``new_style(..., tflite=[format])`` writes a phone file: ``<stem>_<format>_<size>.tflite`` beside ``output``.

    Example:
        >>> phone_file("styles/monet.keras", "float16").as_posix()
        'styles/monet_float16_384.tflite'
    """
    output = pathlib.Path(output)
    return output.with_name(f"{output.stem}_{format}_{size}.tflite")


def fold_painting(painting: ImageLike, photos: Sequence[ImageLike] = (), *, model=None, steps: int = 0,
                  size: int = NEW_STYLE_SIZE, content_weight: float = NEW_STYLE_CONTENT_WEIGHT,
                  learning_rate: float = FIT_LEARNING_RATE, name: str | None = None, vgg_weights=None):
    """``painting`` folded into ``model``'s instance norms after ``steps`` of :func:`tfstyle.fit_style`.

    The fixed-batch recipe of the shipped styles (``tools/fold_styles.py``); :func:`new_style` is the
    time-budgeted one for users. Returns ``(network, fitted)``: a :class:`~tfstyle.models.JohnsonNet` and
    the :class:`~tfstyle.models.ghiasi.FittedStyle` folded into it.

    Example:
        >>> import numpy as np
        >>> from tfstyle.models.ghiasi import ArbitraryStyleNet, CompactStylePredictor, StyleTransferNet
        >>> net = ArbitraryStyleNet(CompactStylePredictor(width=0.25), StyleTransferNet(width=0.25))
        >>> folded, fitted = fold_painting(np.full((48, 48, 3), 90.0), model=net)
        >>> type(folded).__name__, fitted.style_losses
        ('JohnsonNet', ())
    """
    from tfstyle.models.ghiasi import fold_style

    net = _ghiasi(model)
    if steps and not photos:
        raise OptionError("fitting a style (steps > 0) needs photos")
    fitted = fit_style(painting, list(photos) or [np.zeros((size, size, 3), np.float32)], model=net, steps=steps,
                       size=size, content_weight=content_weight, learning_rate=learning_rate, vgg_weights=vgg_weights)
    return fold_style(net, fitted, name=name), fitted


def _ghiasi(model):
    net = load_model(model, kind="arbitrary")
    stylizer = as_stylizer(net)
    if not stylizer.fits_styles:
        raise OptionError(f"a new style is folded from a Ghiasi network (an ArbitraryStyleNet), got {stylizer.family}")
    return net


def _photo_list(photos) -> list:
    if photos is None:
        found = default_photos()
    elif isinstance(photos, (str, os.PathLike)) and os.path.isdir(photos):
        found = list_images(photos)
        if not found:
            raise OptionError(f"no images in {os.fspath(photos)} (.jpg, .png, ...)")
    elif isinstance(photos, (list, tuple)):
        found = list(photos)
    else:
        found = [photos]
    if not found:
        raise OptionError("new_style needs at least one photo")
    return found


def _same_file(a, b) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def _check_output(output, inputs: Sequence) -> pathlib.Path:
    output = pathlib.Path(os.fspath(output))
    if not output.parent.is_dir():
        raise OptionError(f"no such folder: {output.parent} (for {output.name})")
    for source in inputs:
        if isinstance(source, (str, os.PathLike)) and os.path.exists(source) and os.path.exists(output) \
                and _same_file(source, output):
            raise OptionError(f"{output} is an input; choose another output file")
    return output


class _Fitter:
    """Adam on the style parameters of ``transfer``; the loss is ``cw x content + style`` (cw a variable)."""

    def __init__(self, transfer, params: np.ndarray, style: np.ndarray, content_weight: float, learning_rate: float,
                 vgg_weights):
        import keras
        from keras import ops

        from tfstyle.models.layers import Untracked
        from tfstyle.perceptual.loss import LOSS_PRESETS, PerceptualLoss
        from tfstyle.training.trainer import TermLoggingTrainer

        preset = LOSS_PRESETS["relative"]
        self.loss = loss = PerceptualLoss(preset["content_layers"], preset["style_layers"], content_weight=1.0,
                                          style_weight=1.0, relative=True, weights=vgg_weights)
        grams = loss.style_targets([style])

        class StyleFitter(TermLoggingTrainer):
            def __init__(self):
                super().__init__(("content", "style"))
                self.params = self.add_weight(shape=(1, params.size), name="style_parameters",
                                              initializer=keras.initializers.Constant(params))
                self.content_weight = self.add_weight(shape=(), name="content_weight", trainable=False,
                                                      initializer=keras.initializers.Constant(content_weight))
                # The network and the loss stay out of the trainable weights.
                self._fixed = Untracked((transfer, loss))

            def call(self, images, training=False):
                net = self._fixed.value[0]
                count = ops.shape(images)[0]
                return net.transform(images, net.unpack(ops.broadcast_to(self.params, (count, params.size))))

            def terms(self, y_pred, content_targets) -> dict:
                terms = self._fixed.value[1](y_pred, content_targets, grams)
                terms["total"] = self.content_weight * terms["content"] + terms["style"]
                return terms

            def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
                # y: the photos' content activations, computed once per photo group.
                terms = self.terms(y_pred, y)
                for term, tracker in zip(self.term_names, self.term_trackers):
                    tracker.update_state(terms[term])
                return terms["total"]

        self.model = StyleFitter()
        # XLA would compile longer than a two-minute fit runs.
        self.model.compile(optimizer=keras.optimizers.Adam(learning_rate), jit_compile=False)

    def targets(self, images: np.ndarray) -> list:
        return self.loss.content_targets(images)

    def measure(self, images: np.ndarray, targets) -> tuple[float, float]:
        """``(style, content)`` losses of the current parameters on ``images`` (no step)."""
        terms = self.model.terms(self.model(images), targets)
        return float(terms["style"]), float(terms["content"])

    def step(self, images: np.ndarray, targets) -> tuple[float, float]:
        self.model.reset_metrics()
        logs = self.model.train_on_batch(images, targets, return_dict=True)
        return float(logs["style_loss"]), float(logs["content_loss"])

    @property
    def params(self) -> np.ndarray:
        import keras

        return np.asarray(keras.ops.convert_to_numpy(self.model.params), np.float32)[0]

    def set_content_weight(self, value: float) -> None:
        self.model.content_weight.assign(value)


def new_style(
    painting: ImageLike,
    output: str | os.PathLike | None = None,
    *,
    photos: str | os.PathLike | Sequence[ImageLike] | None = None,
    seconds: float | None = NEW_STYLE_SECONDS,
    steps: int | None = None,
    size: int = NEW_STYLE_SIZE,
    content_weight: float = NEW_STYLE_CONTENT_WEIGHT,
    learning_rate: float = FIT_LEARNING_RATE,
    batch: int = NEW_STYLE_BATCH,
    model=None,
    tflite: Sequence[str] = (),
    name: str | None = None,
    vgg_weights: str | os.PathLike | None = None,
    progress: bool = False,
) -> NewStyle:
    """Fold ``painting`` into the phone network, fit it on photos for a time budget, write ``output``.

    Args:
        painting: the painting (a path, a Pillow image or an ``HxWx3`` array).
        output: the ``.keras`` file to write (atomically; never one of the inputs), or ``None``.
        photos: a folder, a list of images, or ``None`` for the shipped photos (:func:`default_photos`).
        seconds: wall-clock budget of the whole call; fitting stops before a step that would overrun it
            (``None``: no limit; then give ``steps``).
        steps: at most this many fitting steps (``None``: as many as ``seconds`` allows; 0: the
            predicted style, folded unfitted).
        size: side of the square fitting photos; the painting is fitted at this long side.
        content_weight: starting content weight (style weight 1); the fit adapts it so the content
            loss stays at or below the unfitted network's.
        learning_rate: Adam's learning rate on the style parameters.
        batch: photos per step (taken in turn).
        model: the arbitrary-style network to fold from (a Ghiasi network; default: the default
            arbitrary preset, ``tfstyle_mobile_v3``).
        tflite: phone-file formats (``"float16"``, ``"int8"``, ... of :data:`tfstyle.export.FORMATS`) to
            export at 384x384 beside ``output`` (:func:`phone_file`); int8 calibrates on the photos.
        name: the network's Keras name (default: ``output``'s stem).
        vgg_weights: VGG19 weights for the loss (see :func:`tfstyle.perceptual.vgg.resolve_weights`).
        progress: show a progress bar.

    Returns:
        A :class:`NewStyle`: the network, the files written and the fit's numbers.

    Example:
        >>> import numpy as np
        >>> from tfstyle.models.ghiasi import ArbitraryStyleNet, CompactStylePredictor, StyleTransferNet
        >>> net = ArbitraryStyleNet(CompactStylePredictor(width=0.25), StyleTransferNet(width=0.25))
        >>> rng = np.random.default_rng(0)
        >>> painting, photo = rng.uniform(0, 255, (48, 48, 3)), rng.uniform(0, 255, (40, 40, 3))
        >>> made = new_style(painting, photos=[photo], model=net, steps=2, seconds=None, size=32)
        >>> type(made.model).__name__, made.steps, len(made.style_losses)
        ('JohnsonNet', 2, 2)
    """
    from tqdm.auto import tqdm

    from tfstyle.export.tflite import FORMATS

    start = time.perf_counter()
    if steps is not None and steps < 0:
        raise OptionError(f"steps must be >= 0, got {steps}")
    if seconds is not None and not seconds > 0:
        raise OptionError(f"seconds must be > 0, got {seconds}")
    if seconds is None and steps is None:
        raise OptionError("give a time budget (seconds) or a number of steps")
    if size < 32 or batch < 1 or not content_weight > 0 or not learning_rate > 0:
        raise OptionError(f"need size >= 32, batch >= 1, content_weight > 0 and learning_rate > 0, got size={size}, "
                          f"batch={batch}, content_weight={content_weight}, learning_rate={learning_rate}")
    tflite = tuple(dict.fromkeys(tflite))
    unknown = [f for f in tflite if f not in FORMATS]
    if unknown:
        raise OptionError(f"unknown phone-file format {unknown[0]!r}; choose from {', '.join(FORMATS)}")
    if tflite and output is None:
        raise OptionError("phone files (tflite=) are written beside the .keras output: give output")
    photo_list = _photo_list(photos)
    if output is not None:
        if pathlib.Path(os.fspath(output)).suffix != ".keras":
            raise OptionError(f"the output must be a .keras file, got {os.fspath(output)}")
        inputs = [painting, *photo_list, *([model] if isinstance(model, (str, os.PathLike)) else [])]
        output = _check_output(output, inputs)
        for fmt in tflite:
            _check_output(phone_file(output, fmt), inputs)
    painting_image = load_image(painting)
    images = np.stack([cover_crop(load_image(p), (size, size)) for p in photo_list]).astype(np.float32)

    from tfstyle.models.ghiasi import fold_style

    net = _ghiasi(model)
    params = np.asarray(net.style_parameters(painting_image), np.float32)
    reserve = _SAVE_SECONDS + _TFLITE_SECONDS * len(tflite)
    groups = [images[[(i + j) % len(images) for j in range(min(batch, len(images)))]]
              for i in range(0, len(images), batch)]
    style_losses: list[float] = []
    content_losses: list[float] = []
    starts: list[tuple[float, float]] = []
    weight = content_weight
    taken = 0
    if steps != 0:
        fitter = _Fitter(net.transfer, params, load_image(painting_image, max_size=size), content_weight,
                         learning_rate, vgg_weights)
        targets = [fitter.targets(group) for group in groups]
        starts = [fitter.measure(group, target) for group, target in zip(groups, targets)]
        bar = tqdm(total=steps if seconds is None else round(seconds), unit="step" if seconds is None else "s",
                   desc="new style", disable=not progress, dynamic_ncols=True,
                   bar_format="{l_bar}{bar}| {n:.0f}/{total_fmt} {unit} {postfix}")
        last = 0.0
        with bar:
            while steps is None or taken < steps:
                now = time.perf_counter()
                if seconds is not None and now - start + last + reserve > seconds:
                    break
                index = taken % len(groups)
                fitter.set_content_weight(weight)
                style, content = fitter.step(groups[index], targets[index])
                style_losses.append(style)
                content_losses.append(content)
                # A gentle guard on "content loss <= its value at the predicted parameters": the weight
                # grows while the photo is being lost and relaxes back to the starting weight while it
                # is kept (a steeper rule overshot: the losses it sees lag the parameters by a step).
                ratio = content / max(starts[index][1], 1e-12)
                weight = float(np.clip(weight * math.exp(2.0 * (ratio - 1.0)), content_weight, 4 * content_weight))
                taken += 1
                last = time.perf_counter() - now
                bar.update(1 if seconds is None else min(time.perf_counter() - start, seconds) - bar.n)
                bar.set_postfix_str(f"step {taken}, style {math.sqrt(style):.3f}, content {math.sqrt(content):.3f}",
                                    refresh=False)
        params = fitter.params
    fitted = FittedStyle(params, tuple(style_losses))
    folded = fold_style(net, fitted, name=name or (_keras_name(output.stem) if output is not None else None))
    written: list[pathlib.Path] = []
    if output is not None:
        from tfstyle.atomic import save_model

        written.append(save_model(folded, output))
        if tflite:
            from tfstyle.export.tflite import export_tflite

            for fmt in tflite:
                path = phone_file(output, fmt)
                export_tflite(folded, path, format=fmt, size=PHONE_SIZE,
                              representative_images=list(images) if fmt == "int8" else None)
                written.append(path)
    start_losses = (float(np.mean([s for s, _ in starts])), float(np.mean([c for _, c in starts]))) if starts \
        else (math.nan, math.nan)
    return NewStyle(folded, written[0] if written else None, tuple(written[1:]), taken,
                    time.perf_counter() - start, tuple(style_losses), tuple(content_losses), start_losses,
                    weight if taken else content_weight)


def _keras_name(stem: str) -> str:
    """A Keras layer name from a file name (letters, digits and underscores)."""
    cleaned = "".join(c if c.isalnum() else "_" for c in stem).strip("_")
    return cleaned if cleaned and not cleaned[0].isdigit() else f"style_{cleaned}"
