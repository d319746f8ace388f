//! Integration tests: one test binary, one module per area. They run the real `mmm` binary in
//! temporary folders, and sample in release mode.

mod cli;
mod determinism;
mod hill;
mod posteriordb;
mod sampler;
