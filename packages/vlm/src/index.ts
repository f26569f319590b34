// @mlx/vlm: vision-language models (issue #9). Nothing is exported yet.
export {};
