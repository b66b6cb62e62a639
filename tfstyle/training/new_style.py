"""A new fast style from any painting in about two minutes on a 2-core CPU (``tfstyle new-style``).

The default arbitrary-style network (``tfstyle_mobile_v4``, the phone network) paints any painting
from its predictor's style parameters: a scale and a shift per instance-norm channel, 728
numbers. With those parameters fixed, the network *is* a fast-style network whose instance norms
carry them (:func:`tfstyle.models.ghiasi.fold_style`): a 0.5 MB ``.keras`` that runs, tiles and
exports like the shipped styles. :func:`new_style` starts from the predicted parameters, fits only
them (the convolutions stay the network's) to the painting on a few photos for a time budget, folds
them into a :class:`~tfstyle.models.JohnsonNet` and writes the ``.keras`` (and, with ``tflite=``,
the phone files of :func:`tfstyle.export.export_tflite`).

The fitting loss is the one the network was trained with (squared relative Gram errors at
relu1_1..relu5_1 plus ``content_weight`` x the squared relative content error at relu4_2: the
squares of :mod:`tfstyle.perceptual.metrics`' distances). The predictor's parameters are a
compromise the network learned over many paintings; for one painting the fit should lower both
distances, not trade one for the other (a fixed content weight did: woodcuts gained content and lost
style, Léger the reverse). So each step lowers the larger of the two losses relative to their values at
the predicted parameters (softly, :data:`BALANCE_TAU`), and the parameters kept are those where that larger
ratio was smallest: both distances below the unfitted network's, by as much as the fit allows
(``benchmarks/results/new_style.md`` measures them on holdout photos). The fit runs at 384 px, the size
outputs are judged at: Gram statistics depend on the scale, and a fit at 256 px did not carry to 384.

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

__all__ = ["NewStyle", "new_style", "fold_painting", "default_photos", "PHOTOS_DIR", "NEW_STYLE_SECONDS", "BALANCE_TAU",
           "phone_file"]

#: The photos a new style is fitted on by default (public domain / CC0; see README.md there).
PHOTOS_DIR = pathlib.Path(__file__).resolve().parents[1] / "weights" / "photos"
#: Default time budget of :func:`new_style` in seconds (setup, fitting, folding and writing): with
#: the command's start-up, ``tfstyle new-style`` ends within two minutes.
NEW_STYLE_SECONDS = 100.0
#: Side of the square fitting photos; the painting is fitted at the same long side. 384 px, the size
#: outputs are judged at (benchmarks, the phone files): Gram statistics depend on the scale, and a fit at
#: 256 px lowered the style distance at 256 but raised it at 384 (Léger's Contrast of Forms: +9.6%; at
#: 384 px: -10.6% with content -9.9%). A step of two photos takes about 5 s on an unloaded 2-core CPU.
NEW_STYLE_SIZE = 384
#: Content weight of :func:`fold_painting`'s fixed recipe (style weight 1; the network was trained at 0.15).
FOLD_CONTENT_WEIGHT = 0.25
#: Softness of the balanced objective (the larger of the two losses relative to their unfitted values,
#: smoothed: ``tau * log(exp(style / s0 / tau) + exp(content / c0 / tau))``).
BALANCE_TAU = 0.02
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
        content_weight: the fixed content weight of the fit, or ``None`` for the balanced fit (the default).
        balance: per step, the balanced objective's ratio ``max(style / s0, content / c0)`` on that step's photos
            (below 1: both losses below the unfitted network's).
        parameters: the fitted style parameters folded into ``model`` (the predictor's layout,
            ``model.style_parameters(painting)`` before the fit).
    """

    model: object
    path: pathlib.Path | None
    phone_files: tuple[pathlib.Path, ...]
    steps: int
    seconds: float
    style_losses: tuple[float, ...] = field(default=())
    content_losses: tuple[float, ...] = field(default=())
    start_losses: tuple[float, float] = (math.nan, math.nan)
    content_weight: float | None = None
    balance: tuple[float, ...] = field(default=())
    parameters: np.ndarray | None = None


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
                  size: int = NEW_STYLE_SIZE, content_weight: float = FOLD_CONTENT_WEIGHT,
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
    """Adam on the style parameters of ``transfer``.

    The loss is ``content_weight x content + style``, or with ``content_weight=None`` the balanced one: the
    larger of ``style / s0`` and ``content / c0`` (softly), where ``s0, c0`` are the unfitted losses on the
    step's photos (:meth:`set_start`).
    """

    def __init__(self, transfer, params: np.ndarray, style: np.ndarray, content_weight: float | None,
                 learning_rate: float, vgg_weights):
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
                self.start = self.add_weight(shape=(2,), name="start_losses", trainable=False,
                                             initializer=keras.initializers.Constant(1.0))
                # The network and the loss stay out of the trainable weights.
                self._fixed = Untracked((transfer, loss))

            def call(self, images, training=False):
                net = self._fixed.value[0]
                count = ops.shape(images)[0]
                return net.transform(images, net.unpack(ops.broadcast_to(self.params, (count, params.size))))

            def terms(self, y_pred, content_targets) -> dict:
                terms = self._fixed.value[1](y_pred, content_targets, grams)
                if content_weight is not None:
                    terms["total"] = content_weight * terms["content"] + terms["style"]
                else:
                    ratios = ops.stack([terms["style"], terms["content"]]) / self.start
                    terms["total"] = BALANCE_TAU * ops.logsumexp(ratios / BALANCE_TAU)
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

    def set_start(self, start: tuple[float, float]) -> None:
        """The unfitted ``(style, content)`` losses of the next step's photos (the balanced loss's scale)."""
        self.model.start.assign(np.maximum(np.asarray(start, np.float32), 1e-12))


def new_style(
    painting: ImageLike,
    output: str | os.PathLike | None = None,
    *,
    photos: str | os.PathLike | Sequence[ImageLike] | None = None,
    seconds: float | None = NEW_STYLE_SECONDS,
    steps: int | None = None,
    size: int = NEW_STYLE_SIZE,
    content_weight: float | None = None,
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
        content_weight: ``None`` (default): lower both distances together; each step lowers the larger
            of the style and content losses relative to their values at the predicted parameters, and the
            parameters kept are those of the step where that larger ratio was smallest. A number: the
            fixed trade ``style + content_weight x content`` and the last step's parameters.
        learning_rate: Adam's learning rate on the style parameters.
        batch: photos per step (taken in turn).
        model: the arbitrary-style network to fold from (a Ghiasi network; default: the default
            arbitrary preset, ``tfstyle_mobile_v4``).
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
    if size < 32 or batch < 1 or (content_weight is not None and not content_weight > 0) or not learning_rate > 0:
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
    balance: list[float] = []
    best = (math.inf, params)
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
                fitter.set_start(starts[index])
                before = fitter.params
                style, content = fitter.step(groups[index], targets[index])
                style_losses.append(style)
                content_losses.append(content)
                # The step's losses are those of the parameters before it: a fixed content weight moved
                # along the trade-off (woodcuts gained content and lost style, Léger the reverse) instead
                # of past the unfitted network, so the balanced fit keeps its best point, not its last.
                ratio = max(style / starts[index][0], content / starts[index][1])
                balance.append(ratio)
                if ratio < best[0]:
                    best = (ratio, before)
                taken += 1
                last = time.perf_counter() - now
                bar.update(1 if seconds is None else min(time.perf_counter() - start, seconds) - bar.n)
                bar.set_postfix_str(f"step {taken}, style {math.sqrt(style):.3f}, content {math.sqrt(content):.3f}",
                                    refresh=False)
        params = fitter.params if content_weight is not None else best[1]  # best[1]: the prediction until a step
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
                    content_weight, tuple(balance), params)


def _keras_name(stem: str) -> str:
    """A Keras layer name from a file name (letters, digits and underscores)."""
    cleaned = "".join(c if c.isalnum() else "_" for c in stem).strip("_")
    return cleaned if cleaned and not cleaned[0].isdigit() else f"style_{cleaned}"
