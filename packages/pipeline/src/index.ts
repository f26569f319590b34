// @mlx/pipeline: RxJS pipelines (issue #10). Nothing is exported yet.
export {};
