"""Exceptions raised by tfstyle.

Every error a user can cause (a bad image, a bad option, missing weights) is a
:class:`TfstyleError`, so callers and the command line can report it in one line.
"""


def first_line(exc: BaseException, prefer: tuple[str, ...] = ()) -> str:
    r"""The first non-empty line of ``exc``'s message (one containing a ``prefer`` word if any).

    Used to report library failures (TensorFlow's are often pages long) in one line.

    Example:
        >>> first_line(ValueError("\nTraceback...\nerror: bad op\n"), prefer=("error",))
        'error: bad op'
        >>> first_line(KeyError())
        'KeyError'
    """
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    preferred = [line for line in lines if any(word in line.lower() for word in prefer)]
    return (preferred or lines or [type(exc).__name__])[0][:500]


class TfstyleError(Exception):
    """Base class for all errors tfstyle raises on purpose.

    Example:
        >>> import tfstyle
        >>> try:
        ...     tfstyle.load_image("missing.jpg")
        ... except tfstyle.TfstyleError as error:
        ...     print(type(error).__name__)
        ImageError
    """


class ImageError(TfstyleError, ValueError):
    """An image could not be read, decoded or written, or has an unusable size.

    Example:
        >>> import tempfile, tfstyle
        >>> path = tempfile.mktemp(suffix=".jpg")
        >>> open(path, "w").write("not an image")
        12
        >>> tfstyle.load_image(path)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        tfstyle.errors.ImageError: ...
    """


class WeightsError(TfstyleError, RuntimeError):
    """Model weights (for example VGG19's) are missing, unreadable or cannot be downloaded.

    Example:
        >>> import tfstyle
        >>> tfstyle.load_model("no-such-model.keras")
        Traceback (most recent call last):
        tfstyle.errors.WeightsError: model file not found: no-such-model.keras
    """


class OptionError(TfstyleError, ValueError):
    """An option has a value that cannot work (wrong range, wrong length, unknown name).

    Example:
        >>> import tfstyle
        >>> tfstyle.load_model("no_such_style")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        tfstyle.errors.OptionError: unknown preset 'no_such_style'; shipped: ...
    """


class VideoError(ImageError):
    """A video could not be read, decoded or written (a corrupt file, not a video, no video stream).

    A subclass of :class:`ImageError`, so code that reports bad images reports bad videos too.

    Example:
        >>> import tempfile, tfstyle.video.io
        >>> path = tempfile.mktemp(suffix=".mp4")
        >>> open(path, "w").write("not a video")
        11
        >>> tfstyle.video.io.probe(path)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        tfstyle.errors.VideoError: cannot read video ...
    """


#: Optional dependencies (top-level module) and the extra that installs each.
EXTRAS = {"tensorflow": "tf", "keras": "tf", "scipy": "tf", "tensorboard": "tf", "ai_edge_quantizer": "tf",
          "cv2": "video", "imageio_ffmpeg": "video", "tensorflow_model_optimization": "qat", "tf_keras": "qat",
          "tensorflow_hub": "compare", "apache_beam": "beam"}
_NEEDS = {"tf": "TensorFlow", "video": "OpenCV and ffmpeg", "qat": "TensorFlow Model Optimization",
          "compare": "TensorFlow Hub", "beam": "Apache Beam"}


def missing_extra(exc: BaseException) -> str | None:
    """One line naming the extra to install when ``exc`` is the ImportError of an optional dependency, else ``None``.

    Example:
        >>> missing_extra(ModuleNotFoundError("No module named 'keras'", name="keras"))
        "this needs TensorFlow (keras is not installed): pip install 'tfstyle[tf]'"
    """
    module = (getattr(exc, "name", None) or "").partition(".")[0] if isinstance(exc, ImportError) else ""
    extra = EXTRAS.get(module)
    if extra is None:
        return None
    return f"this needs {_NEEDS[extra]} ({module} is not installed): pip install 'tfstyle[{extra}]'"
