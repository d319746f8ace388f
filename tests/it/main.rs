//! Integration tests: one test binary, one module per area. They run the real `mmm` binary in
//! temporary folders, and sample in release mode.

mod attribution;
mod calibration;
mod check;
mod cli;
mod demo;
mod determinism;
mod fitdir;
mod hardening;
mod hill;
mod models;
mod optimize;
mod panels;
mod posteriordb;
mod pymc_marketing;
mod report;
mod sampler;
mod support;
mod survey;
mod validation;
mod weekly_hill;
