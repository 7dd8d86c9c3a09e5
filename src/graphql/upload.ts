/**
 * The one way a multipart upload (uploadDataset, predictBatchFile) is opened and its byte limit
 * told: graphql-upload-minimal (busboy) refuses a file over UPLOAD_MAX_BYTES either at once (HTTP
 * status 413 from createReadStream) or by cutting the stream short ('limit' event, `truncated`);
 * both are FileTooLargeError (PAYLOAD_TOO_LARGE), worded the same for every upload.
 */
import type { Readable } from 'node:stream';
import type { FileUpload } from 'graphql-upload-minimal';
import { BadUserInputError, FileTooLargeError } from '../errors.js';

export interface OpenedUpload {
  stream: Readable;
  fileName: string | null;
  /** FileTooLargeError once the stream was cut at the byte limit (or `error` is the upload's 413), else null */
  tooLarge(error?: unknown): FileTooLargeError | null;
}

const is413 = (error: unknown) => (error as { status?: number } | null)?.status === 413;

export async function openUpload(file: Promise<FileUpload>, maxBytes: number): Promise<OpenedUpload> {
  let upload: FileUpload;
  let stream: Readable;
  try {
    upload = await file;
    stream = upload.createReadStream() as unknown as Readable;
  } catch (error) {
    if (is413(error)) throw new FileTooLargeError(maxBytes);
    throw new BadUserInputError(`the file could not be read: ${(error as Error).message}`, 'file');
  }
  let truncated = false;
  stream.once('limit', () => {
    truncated = true;
  });
  return {
    stream,
    fileName: upload.filename || null,
    tooLarge: (error?: unknown) =>
      truncated || (stream as Readable & { truncated?: boolean }).truncated === true || is413(error) ? new FileTooLargeError(maxBytes) : null,
  };
}

