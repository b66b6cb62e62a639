"""Quantization-aware fine-tuning in its own process (run by :mod:`tfstyle.export.qat`).

tensorflow-model-optimization only quantizes tf_keras (Keras 2) functional models, and importing
it switches ``TF_USE_LEGACY_KERAS`` on. So this worker runs alone: it rebuilds the JohnsonNet as
a tf_keras functional model with the same layer names, loads the weights the parent process
saved, checks the copy computes the same function, fine-tunes the fake-quantized copy to
reproduce the float network's output (distillation, pixel MSE) on real photos, and converts it
to full-integer INT8 TFLite.

    python -m tfstyle.export.qat_worker job.npz result.tflite report.json
"""
from __future__ import annotations

import json
import os
import sys


def _build(config: dict, size: tuple[int, int]):
    """tf_keras functional copy of :class:`tfstyle.models.JohnsonNet` (same layer names) + annotations."""
    import tensorflow as tf
    import tensorflow_model_optimization as tfmot
    import tf_keras as K

    from tfstyle.models.layers import reflect_pad

    Q = tfmot.quantization.keras
    epsilon = float(config.get("epsilon", 1e-5))

    class InstanceNorm(K.layers.Layer):
        def build(self, shape):
            self.gamma = self.add_weight("gamma", shape=(shape[-1],), initializer="ones")
            self.beta = self.add_weight("beta", shape=(shape[-1],), initializer="zeros")

        def call(self, x):
            mean = tf.reduce_mean(x, [1, 2], keepdims=True)
            centered = x - mean
            variance = tf.reduce_mean(centered * centered, [1, 2], keepdims=True)
            return centered * (self.gamma * tf.math.rsqrt(variance + epsilon)) + self.beta

    class ReflectPad(K.layers.Layer):
        def __init__(self, pad, **kwargs):
            super().__init__(**kwargs)
            self.pad = pad

        def call(self, x):
            # Slices + concat as in the Keras 3 network (TFLite's MIRROR_PAD is slow on CPU).
            return reflect_pad(x, self.pad)

        def get_config(self):
            return {**super().get_config(), "pad": self.pad}

    class OutputRange(Q.QuantizeConfig):
        """Quantize only the layer's output (moving-average range)."""

        def get_weights_and_quantizers(self, layer):
            return []

        def get_activations_and_quantizers(self, layer):
            return []

        def set_quantize_weights(self, layer, quantize_weights):
            pass

        def set_quantize_activations(self, layer, quantize_activations):
            pass

        def get_output_quantizers(self, layer):
            return [Q.quantizers.MovingAverageQuantizer(num_bits=8, per_axis=False, symmetric=False,
                                                        narrow_range=False)]

        def get_config(self):
            return {}

    class Untouched(OutputRange):
        """Same-scale ops (padding): the converter carries the input's range through."""

        def get_output_quantizers(self, layer):
            return []

    def ch(n):
        return max(8, int(round(n * config["width"])))

    reflect = config["padding_mode"] == "reflect"

    def conv(x, name, filters, kernel, stride=1):
        if reflect:
            x = Q.quantize_annotate_layer(ReflectPad(kernel // 2, name=f"{name}_pad"), Untouched())(x)
            return K.layers.Conv2D(filters, kernel, stride, padding="valid", name=name)(x)
        return K.layers.Conv2D(filters, kernel, stride, padding="same", name=name)(x)

    norms = iter(range(10**6))

    def norm(x):
        return Q.quantize_annotate_layer(InstanceNorm(name=f"in{next(norms)}"), OutputRange())(x)

    class Shuffle(K.layers.Layer):
        """space_to_depth (``block`` > 0) or depth_to_space (``block`` < 0): a rearrangement, same range."""

        def __init__(self, block, **kwargs):
            super().__init__(**kwargs)
            self.block = block

        def call(self, x):
            return tf.nn.space_to_depth(x, self.block) if self.block > 0 else tf.nn.depth_to_space(x, -self.block)

        def get_config(self):
            return {**super().get_config(), "block": self.block}

    shuffle = int(config.get("shuffle", 1))
    encoder_norm, output_norm = config.get("encoder_norm", True), config.get("output_norm", False)
    inputs = K.Input((*size, 3))
    if config.get("input_range", "signed") == "unit":
        scale_in = K.layers.Rescaling(1 / 255.0, 0.0, name="scale_in")
    else:
        scale_in = K.layers.Rescaling(1 / 127.5, -1.0, name="scale_in")
    x = Q.quantize_annotate_layer(scale_in, OutputRange())(inputs)
    if shuffle > 1:
        x = Q.quantize_annotate_layer(Shuffle(shuffle, name="to_depth"), Untouched())(x)
        encoder = (("enc1", 64, 3, 1), ("enc2", 128, 3, 2))
        decoder, out_kernel, out_channels = (("dec1", 64, True), ("dec2", 64, False)), 3, 3 * shuffle ** 2
    else:
        encoder = (("enc1", 32, 9, 1), ("enc2", 64, 3, 2), ("enc3", 128, 3, 2))
        decoder, out_kernel, out_channels = (("dec1", 64, True), ("dec2", 32, True)), 9, 3
    for name, filters, kernel, stride in encoder:
        x = conv(x, name, ch(filters), kernel, stride)
        x = K.layers.ReLU()(norm(x) if encoder_norm else x)
    for i in range(config["residual_blocks"]):
        y = K.layers.ReLU()(norm(conv(x, f"res{i}_a", ch(128), 3)))
        x = K.layers.Add()([x, norm(conv(y, f"res{i}_b", ch(128), 3))])
    for name, filters, upsample in decoder:
        if upsample:
            x = K.layers.UpSampling2D(2, interpolation="nearest")(x)
        x = K.layers.ReLU()(norm(conv(x, name, ch(filters), 3)))
    x = conv(x, "out", out_channels, out_kernel)
    if output_norm:
        x = norm(x)
    if shuffle > 1:
        x = Q.quantize_annotate_layer(Shuffle(-shuffle, name="to_space"), Untouched())(x)
    if config.get("output_activation", "linear") == "sigmoid":
        x = K.layers.Activation("sigmoid", name="sigmoid")(x)
        outputs = Q.quantize_annotate_layer(K.layers.Rescaling(255.0, 0.0, name="scale_out"), OutputRange())(x)
    else:
        x = Q.quantize_annotate_layer(K.layers.Rescaling(127.5, 127.5, name="scale_out"), OutputRange())(x)
        outputs = K.layers.ReLU(max_value=255.0, name="clip")(x)
    scope = {"InstanceNorm": InstanceNorm, "ReflectPad": ReflectPad, "OutputRange": OutputRange,
             "Untouched": Untouched, "Shuffle": Shuffle}
    return K.Model(inputs, outputs), scope


def _init_ranges(qat, float_model, images) -> None:
    """Set every activation range of ``qat`` to the float model's min/max on ``images``.

    tfmot starts activation ranges at [-6, 6] and moves them by an exponential average with
    decay 0.999: for outputs in [0, 255] that takes thousands of steps, during which the
    fake-quantized network is useless (PSNR ~4 dB).
    """
    import numpy as np
    import tf_keras as K

    wanted = {}
    for layer in qat.layers:
        names = [v for v in layer.weights if v.name.split("/")[-1].split(":")[0] in
                 ("output_min", "output_max", "post_activation_min", "post_activation_max")]
        if names and layer.name.startswith("quant_"):
            wanted[layer.name[len("quant_"):]] = names
    by_name = {getattr(layer, "layer", layer).name: layer for layer in float_model.layers}
    probe = K.Model(float_model.inputs, [by_name[name].get_output_at(-1) for name in wanted])
    outputs = probe.predict(images, verbose=0, batch_size=4)
    for (name, variables), values in zip(wanted.items(), outputs):
        low, high = min(0.0, float(np.min(values))), max(0.0, float(np.max(values)))
        for variable in variables:
            variable.assign(low if variable.name.split("/")[-1].startswith(("output_min", "post_activation_min"))
                            else high)
    for layer in qat.layers:
        for variable in layer.weights:
            if variable.name.split("/")[-1].startswith("quantize_layer_min"):
                variable.assign(0.0)
            elif variable.name.split("/")[-1].startswith("quantize_layer_max"):
                variable.assign(255.0)


def main(job_path: str, out_path: str, report_path: str) -> None:
    import numpy as np
    import tensorflow as tf
    import tensorflow_model_optimization as tfmot

    Q = tfmot.quantization.keras
    job = np.load(job_path, allow_pickle=False)
    config = json.loads(str(job["config"]))
    images = job["images"].astype(np.float32)
    size = tuple(images.shape[1:3])
    annotated, scope = _build(config, size)
    with Q.quantize_scope(scope):
        float_model = Q.quantize_annotate_model(annotated)
    # The annotated model still computes in float: load the weights by layer name, check it.
    for layer in float_model.layers:
        inner = getattr(layer, "layer", layer)
        key = f"w:{inner.name}"
        if key + ":0" in job:
            count = len(inner.get_weights())
            inner.set_weights([job[f"{key}:{i}"] for i in range(count)])
    teacher = np.concatenate([float_model.predict(images[i:i + 1], verbose=0) for i in range(len(images))])
    reference = job["reference"].astype(np.float32)
    copy_error = float(np.abs(teacher - reference).max())
    if copy_error > 1.0:
        raise SystemExit(f"the tf_keras copy does not match the network (max abs difference {copy_error:.3f})")

    with Q.quantize_scope(scope):
        qat = Q.quantize_apply(float_model)
    _init_ranges(qat, float_model, images)
    qat.compile(optimizer=tf.keras.optimizers.Adam(float(job["learning_rate"])), loss="mse")
    rng = np.random.default_rng(0)
    steps, batch = int(job["steps"]), int(job["batch_size"])
    before = float(np.mean((qat.predict(images, verbose=0) - teacher) ** 2))
    losses = []
    for _ in range(steps):
        index = rng.integers(0, len(images), batch)
        losses.append(float(qat.train_on_batch(images[index], teacher[index])))
    after = float(np.mean((qat.predict(images, verbose=0) - teacher) ** 2))

    serve = tf.function(lambda x: qat(x, training=False)).get_concrete_function(
        tf.TensorSpec((1, *size, 3), tf.float32, name="content"))
    converter = tf.lite.TFLiteConverter.from_concrete_functions([serve], qat)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.representative_dataset = lambda: ([image[None]] for image in images[:32])
    if bool(job["uint8_io"]):
        converter.inference_input_type = tf.uint8
        converter.inference_output_type = tf.uint8
    with open(out_path, "wb") as f:
        f.write(converter.convert())
    with open(report_path, "w") as f:
        json.dump({"copy_max_abs_error": copy_error, "mse_before": before, "mse_after": after,
                   "first_losses": losses[:5], "last_losses": losses[-5:], "steps": steps}, f)


if __name__ == "__main__":
    os.environ["TF_USE_LEGACY_KERAS"] = "1"  # before TensorFlow is imported
    main(*sys.argv[1:4])
