import { existsSync, readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { env } from '../config/env.js';
import type { TemporalConfig } from '../config/schema.js';

export class TemporalSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemporalSetupError';
  }
}

/** Where and how to reach Temporal: the config, with $TEMPORAL_ADDRESS / $TEMPORAL_NAMESPACE / $TEMPORAL_API_KEY over it. */
export interface TemporalTarget {
  address: string;
  namespace: string;
  tls: TLSConfig | boolean;
  apiKey?: string;
}

function pem(file: string, what: string): Uint8Array {
  if (!existsSync(file)) throw new TemporalSetupError(`temporal.tls.${what}: ${file} does not exist. HINT: point it at a PEM file, or set temporal.tls to null for a plain connection`);
  return readFileSync(file);
}

export function temporalTarget(config: TemporalConfig): TemporalTarget {
  const apiKey = env.temporalApiKey;
  let tls: TLSConfig | boolean = false;
  if (config.tls) {
    tls = {
      clientCertPair: { crt: pem(config.tls.clientCert, 'clientCert'), key: pem(config.tls.clientKey, 'clientKey') },
      ...(config.tls.serverRootCA ? { serverRootCACertificate: pem(config.tls.serverRootCA, 'serverRootCA') } : {}),
      ...(config.tls.serverName ? { serverNameOverride: config.tls.serverName } : {}),
    };
  } else if (apiKey) {
    tls = true; // API keys travel over TLS only
  }
  return { address: env.temporalAddress ?? config.address, namespace: env.temporalNamespace ?? config.namespace, tls, ...(apiKey ? { apiKey } : {}) };
}

/** A client of the configured Temporal; the error names the address and what to do when nothing answers. */
export async function connectClient(config: TemporalConfig, timeoutMs = 10_000): Promise<Client> {
  const target = temporalTarget(config);
  try {
    const connection = await Connection.connect({ address: target.address, tls: target.tls, ...(target.apiKey ? { apiKey: target.apiKey } : {}), connectTimeout: timeoutMs });
    return new Client({ connection, namespace: target.namespace });
  } catch (error) {
    throw new TemporalSetupError(`cannot reach Temporal at ${target.address} (${(error as Error).message.split('\n')[0]}). HINT: codeq up starts the local stack; for a cluster set temporal.address or $TEMPORAL_ADDRESS`);
  }
}

/** Runs `body` with a client of the configured Temporal, closing its connection afterwards. */
export async function withTemporalClient<T>(config: TemporalConfig, body: (client: Client) => Promise<T>): Promise<T> {
  const client = await connectClient(config);
  try {
    return await body(client);
  } finally {
    await client.connection.close();
  }
}
