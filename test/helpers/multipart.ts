// Raw multipart/form-data bodies, for requests no well-behaved client would send (broken boundaries, odd names, truncation).
export interface RawPart {
  name: string;
  value: string | Uint8Array;
  /** Makes it a file part. */
  filename?: string;
  contentType?: string;
}

export const BOUNDARY = '----keycast-test-boundary-7MA4YWxkTrZu0gW';

/** The body and its Content-Type; `end: false` leaves out the closing boundary. */
export function multipartBody(parts: RawPart[], { boundary = BOUNDARY, end = true } = {}): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.filename !== undefined) head += `; filename="${p.filename}"`;
    head += '\r\n';
    if (p.contentType ?? (p.filename !== undefined ? 'application/octet-stream' : undefined))
      head += `Content-Type: ${p.contentType ?? 'application/octet-stream'}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.from(p.value), Buffer.from('\r\n'));
  }
  if (end) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
