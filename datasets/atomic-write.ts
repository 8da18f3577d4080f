// Write a file so that readers only ever see the old content or the complete new content:
// write a temporary file beside the target, flush it, then rename over the target (rename is
// atomic within one file system). A crash mid-write leaves at most a stray temporary file.
import * as fs from 'fs';
import * as path from 'path';

export function writeFileAtomic(file: string, data: Uint8Array | string): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  // Process id plus a counter keeps concurrent writers (other processes, or this one) apart.
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${tempCounter++}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      // writeSync may write less than asked; loop until everything is on disk.
      for (let done = 0; done < bytes.length; ) done += fs.writeSync(fd, bytes, done, bytes.length - done);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      // the temporary file may never have been created
    }
    throw err;
  }
}

let tempCounter = 0;
