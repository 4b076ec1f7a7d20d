import { Writable } from 'node:stream';
import type Docker from 'dockerode';

export type OutputSink = (stream: 'stdout' | 'stderr', chunk: Buffer) => void;

/** A container's stdout and stderr, attached before it starts, delivered to a sink set later. */
export class Attachment {
  sink: OutputSink | null = null;

  private constructor(
    private readonly stream: NodeJS.ReadWriteStream,
    readonly ended: Promise<void>,
  ) {}

  static async open(container: Docker.Container): Promise<Attachment> {
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const ended = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    const attachment = new Attachment(stream, ended);
    const forward = (name: 'stdout' | 'stderr') =>
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          attachment.sink?.(name, chunk);
          done();
        },
      });
    container.modem.demuxStream(stream, forward('stdout'), forward('stderr'));
    return attachment;
  }

  close(): void {
    (this.stream as unknown as { destroy(): void }).destroy();
  }
}
