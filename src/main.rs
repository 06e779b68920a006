//! The `fendan` command line: parse the arguments, run one subcommand, map errors to
//! exit codes (0 success, 2 bad input or usage, 1 failure to write). All the work is
//! in the library; each subcommand lives in its own file under `cmd/`.

mod cli;
mod cmd;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cmd::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(cmd::Failure::BrokenPipe) => ExitCode::SUCCESS,
        Err(cmd::Failure::Fendan(e)) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
