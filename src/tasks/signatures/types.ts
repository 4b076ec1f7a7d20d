/** A parameter as declared in the source language (`type` is '' when the language leaves it out). */
export interface Param {
  name: string;
  type: string;
  /** Has a default value (Python), so a call may leave it out. */
  optional?: boolean;
}

export interface MethodSignature {
  name: string;
  params: Param[];
  returnType: string;
}

/** A class's public surface: what a driver may construct and call. */
export interface ClassShape {
  name: string;
  constructors: Param[][];
  methods: MethodSignature[];
}

/** Why a program's entry point could not be determined. */
export class SignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignatureError';
  }
}
