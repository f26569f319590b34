// The raw binding. @mlx/core wraps it; applications should not import it directly.
declare const native: any;
export default native;
