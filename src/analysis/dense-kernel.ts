/**
 * The inner loop of dense GTH elimination (ctmc.ts `steadyState`), y[0..len) += f x[0..len)
 * over rows of one Float64Array, as a small WebAssembly module with 128-bit SIMD (two
 * doubles per instruction). It computes exactly what the plain loop computes: each
 * element is y + f * x, rounded twice (a multiplication, then an addition; no fused
 * multiply-add), so results are bit-identical to the JavaScript loop, which stays as
 * the fallback where WebAssembly SIMD is not available.
 *
 * The module is written out byte by byte below (no build step). Its one function:
 *   axpy(dst: i32, src: i32, f: f64, len: i32)   byte offsets into its memory, len elements
 * and its memory is exported as `mem`, grown to the matrix's size by `denseMatrix`.
 */

/** A dense n x n matrix of doubles, row-major, and the row update y += f x on it. */
export interface DenseMatrix {
  /** The entries: a[i * n + j]. */
  readonly a: Float64Array;
  /** a[dstRow * n + j] += f * a[srcRow * n + j] for j in [0, len). */
  axpy(dstRow: number, srcRow: number, f: number, len: number): void;
}

/** Unsigned LEB128 of a small non-negative integer. */
function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/** A section: id, size, contents. */
function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** The module's bytes (see the file's comment). */
function moduleBytes(): Uint8Array<ArrayBuffer> {
  const I32 = 0x7f;
  const F64 = 0x7c;
  const V128 = 0x7b;
  // Locals: 0 dst, 1 src, 2 f, 3 len (parameters), 4 fv (v128), 5 end (i32).
  const get = (i: number) => [0x20, i];
  const set = (i: number) => [0x21, i];
  const i32c = (v: number) => [0x41, ...(v === -2 ? [0x7e] : uleb(v))];
  const simd = (op: number) => [0xfd, ...uleb(op)];
  const body = [
    2, 1, V128, 1, I32, // local declarations: one v128, one i32
    ...get(2), ...simd(20), ...set(4), // fv = f64x2.splat(f)
    ...get(0), ...get(3), ...i32c(-2), 0x71, ...i32c(3), 0x74, 0x6a, ...set(5), // end = dst + (len & ~1) * 8
    0x02, 0x40, // block
    0x03, 0x40, //   loop
    ...get(0), ...get(5), 0x4f, 0x0d, 1, //     if dst >= end: break
    ...get(0), //     address of the store
    ...get(0), ...simd(0), 4, 0, //     v128.load dst
    ...get(1), ...simd(0), 4, 0, //     v128.load src
    ...get(4), ...simd(242), //     f64x2.mul (src * fv)
    ...simd(240), //     f64x2.add (dst + ...)
    ...simd(11), 4, 0, //     v128.store
    ...get(0), ...i32c(16), 0x6a, ...set(0), //     dst += 16
    ...get(1), ...i32c(16), 0x6a, ...set(1), //     src += 16
    0x0c, 0, //     continue
    0x0b, //   end loop
    0x0b, // end block
    ...get(3), ...i32c(1), 0x71, 0x04, 0x40, // if len is odd: the last element
    ...get(0), ...get(0), 0x2b, 3, 0, ...get(1), 0x2b, 3, 0, ...get(2), 0xa2, 0xa0, 0x39, 3, 0,
    0x0b, // end if
    0x0b, // end function
  ];
  const name = (s: string) => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 4, I32, I32, F64, I32, 0]), // type: (i32, i32, f64, i32) -> ()
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(5, [1, 0x00, 1]), // one memory, at least one page, no maximum
    ...section(7, [2, ...name('axpy'), 0x00, 0, ...name('mem'), 0x02, 0]),
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

/** The compiled module, or null where WebAssembly SIMD is not available (checked once). */
let compiled: WebAssembly.Module | null | undefined;

function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      const bytes = moduleBytes();
      compiled = typeof WebAssembly === 'object' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** True when the WebAssembly SIMD module compiles here (else `denseMatrix` uses the JavaScript loop). */
export function denseKernelAvailable(): boolean {
  return kernelModule() !== null;
}

/** Where `denseMatrix` computes: 'wasm-simd' (the module) or 'js' (the plain loop; forced by `js`). */
export type DenseKernel = 'wasm-simd' | 'js';

/**
 * A zeroed n x n matrix with its row update: in the WebAssembly module's memory when
 * WebAssembly SIMD is available and `kernel` is not 'js', else in a plain Float64Array
 * with the JavaScript loop. Both give the same bits.
 * @throws RangeError when n x n doubles do not fit in WebAssembly memory (4 GiB) and the module is used
 */
export function denseMatrix(n: number, kernel: DenseKernel = 'wasm-simd'): DenseMatrix {
  const mod = kernel === 'js' ? null : kernelModule();
  const bytes = n * n * 8;
  if (mod === null || bytes > 0xffff0000) {
    const a = new Float64Array(n * n);
    return {
      a,
      axpy(d, s, f, len) {
        const rd = d * n;
        const rs = s * n;
        for (let j = 0; j < len; j++) a[rd + j] += f * a[rs + j];
      },
    };
  }
  const inst = new WebAssembly.Instance(mod, {});
  const mem = inst.exports.mem as WebAssembly.Memory;
  const pages = Math.ceil(bytes / 65536);
  if (pages > 1) mem.grow(pages - 1);
  const axpy = inst.exports.axpy as (dst: number, src: number, f: number, len: number) => void;
  const a = new Float64Array(mem.buffer, 0, n * n);
  const rowBytes = n * 8;
  return {
    a,
    axpy: (d, s, f, len) => axpy(d * rowBytes, s * rowBytes, f, len),
  };
}
