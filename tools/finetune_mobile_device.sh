#!/usr/bin/env bash
# The fine-tune sweep as one command on the lent GPU machine (JAX, no TensorFlow, no network).
#
#   bash tools/finetune_mobile_device.sh MINUTES CONTENT_WEIGHT...
#
# Needs .gpu/ from tools/pack_device_run.py (data subset, float16 VGG19, the Keras wheels), carried
# by the device tool. Runs one tools/finetune_mobile.py per content weight, side by side on the one
# GPU, each stopping at its first checkpoint after MINUTES of training; returns each run's
# checkpoint (state.weights.h5, resumable anywhere with the same flags) and its logs under $OUT.
set -u
minutes=$1
shift
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .gpu/whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD KERAS_BACKEND=jax TFSTYLE_VGG19_WEIGHTS=$PWD/.gpu/vgg19_notop_f16.h5 \
    XLA_PYTHON_CLIENT_MEM_FRACTION=0.2 PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c "import jax, keras; print('jax', jax.__version__, jax.devices(), 'keras', keras.__version__)"
limit=$(python3 -c "print(int($minutes * 60 + 60))")
for cw in "$@"; do
    mkdir -p "runs/cw$cw"
    timeout "$limit" python3 tools/finetune_mobile.py --data .gpu/data --run "runs/cw$cw/run.ckpt" \
        --init tfstyle_mobile_v1 --steps 100000 --batch-size 8 --checkpoint-every 250 --content-weight "$cw" \
        --minutes "$minutes" --no-ship >"runs/cw$cw/log.txt" 2>&1 &
done
wait
for cw in "$@"; do
    cp "runs/cw$cw/run.ckpt/state.weights.h5" "$OUT/cw$cw.weights.h5"
    tar czf "$OUT/cw$cw.tgz" -C "runs/cw$cw" run.ckpt/state.json run.ckpt/history.csv run.ckpt/timing.csv \
        run.seconds log.txt
    echo "== cw $cw"; tail -c 600 "runs/cw$cw/log.txt"; echo
done
