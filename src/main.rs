use clap::Parser;
use entralab::cli::{Cli, execute};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    execute(
        cli,
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    )
    .into()
}
