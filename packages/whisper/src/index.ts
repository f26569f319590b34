// @mlx/whisper: speech recognition (issue #7). Nothing is exported yet.
export {};
