"""The phone-first student: the ``shuffle=2`` transfer network, its warm start and its distillation."""
import numpy as np
import pytest

import tfstyle
from tfstyle.atomic import save_model
from tfstyle.export import export_tflite
from tfstyle.export.tflite import op_types
from tfstyle.models import ArbitraryStyleNet, CompactStylePredictor, JohnsonNet, StyleTransferNet
from tfstyle.models.ghiasi import MAGENTA_TRANSFER, fold_style
from tfstyle.models.student import STUDENT_TRANSFER, student_from
from tfstyle.training.student import StudentTrainer, distill_student

from .conftest import smooth_image

JOHNSON_OPTIONS = {k: v for k, v in STUDENT_TRANSFER.items() if k != "scale_offset"}


@pytest.fixture(scope="module")
def teacher():
    import keras

    keras.utils.set_random_seed(3)
    net = ArbitraryStyleNet(CompactStylePredictor(width=0.25), StyleTransferNet(**MAGENTA_TRANSFER), style_size=64)
    # Non-zero style projections, so copying them is checked.
    kernel, bias = net.transfer.style_params.get_weights()
    rng = np.random.default_rng(0)
    net.transfer.style_params.set_weights([rng.normal(0, 0.05, kernel.shape).astype("float32"),
                                           (bias + 1.0).astype("float32")])
    return net


@pytest.mark.parametrize("size", [(64, 48), (36, 52)])
def test_shuffled_network_keeps_the_size_and_runs_nothing_at_full_resolution(size):
    net = JohnsonNet(**JOHNSON_OPTIONS)
    out = np.asarray(net(smooth_image(np.random.default_rng(0), *size)[None]))
    assert out.shape == (1, *size, 3) and 0 <= out.min() and out.max() <= 255
    assert [c.kernel_size for c in net.encoder] == [3, 3] and net.output_conv.filters == 12
    assert JohnsonNet.from_config(net.get_config()).shuffle == 2
    # The original architecture's config is unchanged (its .keras files stay as they were).
    assert "shuffle" not in JohnsonNet(width=0.25).get_config()


def test_bad_shuffle_is_refused():
    with pytest.raises(ValueError, match="shuffle"):
        JohnsonNet(shuffle=4)


def test_student_starts_from_the_teachers_trunk(teacher, rng):
    student = student_from(teacher)
    s, t = student.transfer, teacher.transfer
    for (sa, sb), (ta, tb) in zip(s.res_convs, t.res_convs, strict=True):
        for a, b in ((sa, ta), (sb, tb)):
            np.testing.assert_array_equal(a.get_weights()[0], b.get_weights()[0])
    np.testing.assert_array_equal(s.encoder[1].get_weights()[0], t.encoder[2].get_weights()[0])
    # Same style vector -> the same residual-block and dec1 conditioning.
    vector = np.random.default_rng(1).normal(size=(1, t.style_dim)).astype("float32")
    ours, theirs = s.conditioning(vector), t.conditioning(vector)
    for i in range(11):  # ten residual convs and dec1
        for a, b in zip(ours[i], theirs[i], strict=True):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)
    # New layers start at unit scale, zero shift, for every style.
    scale, shift = (np.asarray(x) for x in ours[-1])
    np.testing.assert_allclose(scale, 1.0) and np.testing.assert_allclose(shift, 0.0)
    np.testing.assert_array_equal(student.predict_style(np.full((1, 64, 64, 3), 90.0, "float32")),
                                  teacher.predict_style(np.full((1, 64, 64, 3), 90.0, "float32")))


def test_student_refuses_a_teacher_of_another_shape():
    other = ArbitraryStyleNet(CompactStylePredictor(width=0.25), StyleTransferNet(width=0.25), style_size=64)
    with pytest.raises(tfstyle.TfstyleError, match="Magenta"):
        student_from(other)


def test_student_folds_round_trips_and_tiles(teacher, rng, tmp_path):
    student = student_from(teacher)
    painting = smooth_image(np.random.default_rng(5), 64, 64)
    folded = fold_style(student, painting)
    assert folded.shuffle == 2
    image = smooth_image(rng, 72, 96)
    conditioned = student.conditioned(student.style_parameters(painting))
    np.testing.assert_allclose(np.asarray(folded(image[None])), np.asarray(conditioned(image[None])), atol=1e-3)
    save_model(student, tmp_path / "student.keras")
    again = tfstyle.load_model(str(tmp_path / "student.keras"))
    np.testing.assert_allclose(np.asarray(again.transfer.transform(image[None], again.transfer.conditioning(
        again.predict_style(painting[None])))), np.asarray(conditioned(image[None])), atol=1e-3)
    big = smooth_image(rng, 150, 203).astype(np.uint8)
    whole = tfstyle.stylize(big, model=folded, backend="keras")
    tiled = tfstyle.stylize(big, model=folded, tile=136, overlap=64, backend="keras")
    assert np.abs(whole.astype(float) - tiled).mean() < 1.0


def test_student_exports_with_gpu_and_xnnpack_ops(tmp_path):
    net = JohnsonNet(**JOHNSON_OPTIONS)
    meta = export_tflite(net, tmp_path / "s.tflite", format="float32", size=64)
    ops = op_types(tmp_path / "s.tflite")
    assert {"SPACE_TO_DEPTH", "DEPTH_TO_SPACE"} <= set(ops)
    assert meta["gpu_compatible"]
    # Only the pixel shuffles, the input scaling and the sigmoid touch full resolution: no conv there.
    assert "TRANSPOSE_CONV" not in ops


def test_distillation_loss_goes_down(teacher, tmp_path):
    """A few steps on one fixed batch bring the student towards the teacher's pictures."""
    import keras

    rng = np.random.default_rng(2)
    content = np.stack([smooth_image(rng, 64, 64) for _ in range(2)])
    style = np.stack([smooth_image(rng, 64, 64) for _ in range(2)])
    trainer = StudentTrainer(student_from(teacher), teacher, mixed_pairs=1)
    trainer.compile(optimizer=keras.optimizers.Adam(2e-3))
    before = float(trainer.loss_terms((content, style))["pixel"])
    trainer.fit(x=(content, style), batch_size=2, epochs=30, verbose=0)  # mixed strengths vary: the mean still falls
    after = float(trainer.loss_terms((content, style))["pixel"])
    assert after < 0.7 * before


def test_distill_student_resumes(teacher, tmp_path):
    folder = tmp_path / "images"
    folder.mkdir()
    from PIL import Image

    for i in range(3):
        Image.fromarray(smooth_image(np.random.default_rng(i), 48, 48).astype(np.uint8)).save(folder / f"{i}.png")
    out = tmp_path / "student.keras"
    common = dict(teacher=teacher, image_size=32, batch_size=2, mixed_pairs=1, checkpoint_every=1, verbose=0)
    distill_student(folder, folder, out, steps=1, **common)
    net = distill_student(folder, folder, out, steps=2, **common)  # continues from the checkpoint
    history = (out.with_suffix(".ckpt") / "history.csv").read_text().splitlines()
    assert len(history) == 3 and net.transfer.shuffle == 2 and out.is_file()
