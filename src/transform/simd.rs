//! Run-time choice of the widest vector instructions the CPU has, for the density's hot loops.
//!
//! The crate is compiled for baseline x86-64, whose vector instructions (SSE2) hold two doubles,
//! so that one binary runs on every x86-64 CPU. Nearly every CPU in use has AVX2 and FMA (four
//! doubles per instruction; Intel since 2013, AMD since 2015), and many servers have AVX-512
//! (eight doubles per instruction and 32 vector registers instead of 16: AMD Zen 4 and later,
//! Intel server CPUs since 2017). [`vectorized`] runs an operation compiled twice more, with
//! AVX-512 and with AVX2 + FMA enabled, and picks the widest the CPU has, the baseline build
//! otherwise (pulp checks the CPU; its check is cached). The operation's loops
//! must be inlined into it (`#[inline(always)]` on the kernels) to be compiled that way.
//!
//! Both builds do the same floating-point operations in the same order (no fused multiply-add is
//! introduced: Rust never contracts `a * b + c`), so results are bit-for-bit the same on every
//! CPU.

/// An operation to run compiled for the CPU's widest vectors: implement
/// [`pulp::WithSimd`] with an `#[inline(always)]` `with_simd` (a closure would not be inlined
/// into the dispatched build, and would run as baseline code).
pub(crate) use pulp::WithSimd as Vectorized;

/// Runs `op` compiled for the widest instruction set the CPU supports (AVX-512, else AVX2 + FMA,
/// on x86-64).
#[inline(always)]
pub(crate) fn vectorized<Op: Vectorized>(op: Op) -> Op::Output {
    pulp::Arch::new().dispatch(op)
}
