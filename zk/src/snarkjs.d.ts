/**
 * The parts of snarkjs 0.7.6 (no published types) this project calls. A file is a path or an
 * in-memory `{ type: 'mem', data }` (fastfile).
 */
declare module 'snarkjs' {
  export type FileLike = string | { type: 'mem'; data?: Uint8Array }

  export interface Groth16Proof {
    pi_a: string[]
    pi_b: string[][]
    pi_c: string[]
    protocol: string
    curve: string
  }

  export interface VerificationKey {
    protocol: string
    curve: string
    nPublic: number
    [key: string]: unknown
  }

  export interface Logger {
    info(msg: string): void
    debug(msg: string): void
    warn(msg: string): void
    error(msg: string): void
  }

  export const groth16: {
    fullProve(
      input: Record<string, unknown>,
      wasm: FileLike,
      zkey: FileLike,
      logger?: Logger,
      wtnsCalcOptions?: Record<string, unknown>,
      proverOptions?: { singleThread?: boolean },
    ): Promise<{ proof: Groth16Proof; publicSignals: string[] }>
    prove(
      zkey: FileLike,
      witness: FileLike,
      logger?: Logger,
      options?: { singleThread?: boolean },
    ): Promise<{ proof: Groth16Proof; publicSignals: string[] }>
    verify(vk: VerificationKey, publicSignals: string[], proof: Groth16Proof): Promise<boolean>
  }

  export const wtns: {
    calculate(input: Record<string, unknown>, wasm: FileLike, wtns: FileLike): Promise<void>
    exportJson(wtns: FileLike): Promise<bigint[]>
  }

  export const powersOfTau: {
    newAccumulator(curve: unknown, power: number, file: string, logger?: Logger): Promise<unknown>
    contribute(
      oldFile: string,
      newFile: string,
      name: string,
      entropy: string,
      logger?: Logger,
    ): Promise<Uint8Array>
    preparePhase2(oldFile: string, newFile: string, logger?: Logger): Promise<void>
  }

  export const zKey: {
    newZKey(r1cs: string, ptau: string, zkey: string, logger?: Logger): Promise<Uint8Array>
    contribute(
      oldZkey: string,
      newZkey: string,
      name: string,
      entropy: string,
      logger?: Logger,
    ): Promise<Uint8Array>
    exportVerificationKey(zkey: FileLike, logger?: Logger): Promise<VerificationKey>
    exportSolidityVerifier(
      zkey: FileLike,
      templates: { groth16: string },
      logger?: Logger,
    ): Promise<string>
  }

  export const curves: {
    getCurveFromName(name: string, options?: { singleThread?: boolean }): Promise<unknown>
  }
}
