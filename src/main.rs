//! The `mmm` command line: parse arguments, call one library function per command, map the
//! result to an exit status.

fn main() {
    eprintln!(
        "mmm: the command line is not built yet; today the library provides the NUTS sampler core."
    );
    std::process::exit(2);
}
