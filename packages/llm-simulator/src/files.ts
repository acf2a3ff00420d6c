/**
 * The Files API subset batches need: upload (multipart, as the SDK sends
 * it), metadata, content, list and delete. Files live in memory.
 */
import express, { Router } from 'express';
import { randomBytes } from 'crypto';
import { handle, invalidRequest, notFound } from './errors';

export interface StoredFile {
  id: string;
  filename: string;
  purpose: string;
  createdAt: number;
  content: Buffer;
}

const PURPOSES = [
  'assistants',
  'batch',
  'fine-tune',
  'vision',
  'user_data',
  'evals',
  'batch_output',
];

export class FileStore {
  private readonly files = new Map<string, StoredFile>();

  add(filename: string, purpose: string, content: Buffer): StoredFile {
    const file = {
      id: `file-${randomBytes(12).toString('hex')}`,
      filename,
      purpose,
      createdAt: Math.floor(Date.now() / 1000),
      content,
    };
    this.files.set(file.id, file);
    return file;
  }

  get(id: string): StoredFile {
    const file = this.files.get(id);
    if (!file) throw notFound('file', id);
    return file;
  }

  delete(id: string): void {
    this.get(id);
    this.files.delete(id);
  }

  list(): StoredFile[] {
    return [...this.files.values()];
  }
}

export function fileObject(file: StoredFile) {
  return {
    id: file.id,
    object: 'file',
    bytes: file.content.length,
    created_at: file.createdAt,
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
    expires_at: null,
    status_details: null,
  };
}

/** Parses a multipart/form-data body with the platform's own parser (undici's). */
async function parseMultipart(
  body: Buffer,
  contentType: string,
): Promise<FormData> {
  try {
    return await new Response(new Uint8Array(body), {
      headers: { 'content-type': contentType },
    }).formData();
  } catch {
    throw invalidRequest(
      'file',
      'Expected a multipart/form-data body with the fields file and purpose.',
    );
  }
}

export function fileRoutes(store: FileStore, maxUploadBytes: number): Router {
  const router = Router();

  router.post(
    '/files',
    express.raw({ type: () => true, limit: maxUploadBytes }),
    handle(async (req, res) => {
      const contentType = req.headers['content-type'] ?? '';
      if (!contentType.startsWith('multipart/form-data')) {
        throw invalidRequest(
          'file',
          'Expected a multipart/form-data body with the fields file and purpose.',
        );
      }
      const form = await parseMultipart(req.body as Buffer, contentType);
      const file = form.get('file');
      const purpose = form.get('purpose');
      if (typeof purpose !== 'string' || !PURPOSES.includes(purpose)) {
        throw invalidRequest(
          'purpose',
          `Invalid 'purpose': expected one of ${PURPOSES.join(', ')}.`,
          'invalid_value',
        );
      }
      if (file === null || typeof file === 'string') {
        throw invalidRequest('file', "Invalid 'file': expected a file part.");
      }
      const content = Buffer.from(await file.arrayBuffer());
      if (content.length === 0) {
        throw invalidRequest('file', "Invalid 'file': the file is empty.");
      }
      res.json(fileObject(store.add(file.name || 'upload', purpose, content)));
    }),
  );

  router.get('/files', (_req, res) => {
    const data = store.list().map(fileObject);
    res.json({
      object: 'list',
      data,
      first_id: data[0]?.id ?? null,
      last_id: data[data.length - 1]?.id ?? null,
      has_more: false,
    });
  });

  router.get(
    '/files/:id',
    handle((req, res) => {
      res.json(fileObject(store.get(req.params.id)));
    }),
  );

  router.get(
    '/files/:id/content',
    handle((req, res) => {
      const file = store.get(req.params.id);
      res.type('application/octet-stream').send(file.content);
    }),
  );

  router.delete(
    '/files/:id',
    handle((req, res) => {
      store.delete(req.params.id);
      res.json({ id: req.params.id, object: 'file', deleted: true });
    }),
  );

  return router;
}
