#!/bin/bash
# make demo: train the ReLU and the sigmoid LeNet-5 of the paper for one epoch
# each on Fashion-MNIST (Debian's dataset-fashion-mnist) with [infomonitor]
# sections after every conv and connected layer, then plot the information
# planes.  Everything lands in results/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-results/demo}
FASHION=/usr/share/datasets/fashion-mnist
PY=/usr/bin/python3
mkdir -p "$OUT"
cat > "$OUT/fashion-mnist.data" <<DATA
classes=10
train=$FASHION/train-images-idx3-ubyte.gz
train_labels=$FASHION/train-labels-idx1-ubyte.gz
valid=$FASHION/t10k-images-idx3-ubyte.gz
valid_labels=$FASHION/t10k-labels-idx1-ubyte.gz
backup=$OUT
top=2
DATA
for act in relu logistic; do
    name=$([ $act = logistic ] && echo sigmoid || echo relu)
    echo "== training LeNet-5 ($name) for one epoch with monitors (full log: $OUT/$name.log)"
    rm -f "$OUT/$name.metrics.csv" "$OUT/lenet5-$act.accuracy.csv"
    ./infomonitor train "$OUT/fashion-mnist.data" "cfg/lenet5-$act.cfg" -epochs 1 -seed 1 \
        -log "$OUT/$name.metrics.csv" 2> "$OUT/$name.stderr" | tee "$OUT/$name.log" |
        awk -F, '/^epoch/ || ($1 % 50 == 0 && $1 ~ /^[0-9]+$/) { print; fflush() }'
done
echo "== plotting"
$PY scripts/plot_ip.py --out "$OUT" --title "LeNet-5 on Fashion-MNIST, 1 epoch" \
    relu="$OUT/relu.metrics.csv" sigmoid="$OUT/sigmoid.metrics.csv"
echo "== estimate on one batch (fixed random convolution)"
$PY scripts/demo_estimate.py ./infomonitor "$OUT/estimate" | tail -n 12
echo
echo "Results in $OUT/: information planes ip.png and mip.png, DPI chains dpi.png,"
echo "PID percentages pid.png, losses loss.png, metrics relu.metrics.csv and"
echo "sigmoid.metrics.csv, Darknet logs relu.log and sigmoid.log, weights lenet5-*.weights."
