use clap::Parser;
use entralab::cli::{Cli, execute};

/// mimalloc rather than the system allocator: the readers, `detect` and `generate` make and
/// drop millions of small strings, often freed on another thread than the one that made them,
/// where glibc's malloc spends a quarter of the time (bench/readers.sh, bench/detect-stream.sh).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    execute(
        cli,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    )
    .into()
}
