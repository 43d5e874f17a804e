#!/usr/bin/env bash
# The GPU path in one command, for a machine with an NVIDIA GPU and network access (the native
# install downloads libtensorflow): installs @tensorflow/tfjs-node-gpu (not saved: the CPU default
# stays), checks that TF.js really runs on the GPU, then runs the analyze bench with one more pipeline
# variant on that backend and prints its frames/s next to the CPU (wasm) figures of the same run.
#
#   bench/gpu-check.sh [bench options, e.g. --video FILE --interval 0.333 --reps 3]
#
# Needs: nvidia-smi, the CUDA / cuDNN versions libtensorflow 2.9 (tfjs-node-gpu 4.22) links against
# (CUDA 11.2, cuDNN 8.1; other versions fail at load with a missing libcudart/libcudnn), ffmpeg,
# Node >= 20.19. Exit 2: no GPU or the backend did not start on it.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L; then
  echo "gpu-check: no NVIDIA GPU here (nvidia-smi failed)" >&2
  exit 2
fi
[ -d node_modules ] || npm ci --no-audit --no-fund
# version pinned to package.json's optionalDependencies (one tfjs-core for every backend)
version=$(node -p "require('./package.json').optionalDependencies['@tensorflow/tfjs-node-gpu']")
npm install --no-save --no-audit --no-fund "@tensorflow/tfjs-node-gpu@${version}"

# Does the native backend start and see a GPU? (tfjs-node-gpu falls back to the CPU silently.)
node --input-type=module -e "
import { createRequire } from 'node:module';
const require = createRequire(process.cwd() + '/');
const tf = require('@tensorflow/tfjs-node-gpu');
await tf.ready();
const b = tf.backend();
// NodeJSKernelBackend's flags: the GPU build loaded, and TensorFlow found a GPU device
const gpu = Boolean(b.isGPUPackage && b.isUsingGpuDevice);
console.log('gpu-check: backend', tf.getBackend(), 'GPU package', Boolean(b.isGPUPackage), 'GPU in use', Boolean(b.isUsingGpuDevice));
if (!gpu) process.exit(2);
"

# KEYCAST_TF_BACKEND is not set: the wasm variants and the baseline stay on the CPU, the extra
# variant asks for 'tensorflow', which picks tfjs-node-gpu first (libs/vision/backend.ts).
npm run bench -- --only analyze --backend tensorflow "$@"
