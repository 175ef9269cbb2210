//! The binary: parse arguments, run, map the outcome to an exit code.

use clap::Parser;

use fxsnap::error::exit;

fn main() {
    let cli = fxsnap::cli::Cli::parse();
    let code = match fxsnap::run(cli) {
        Ok(()) => exit::SUCCESS,
        Err(e) if e.is_broken_pipe() => exit::SUCCESS,
        Err(e) => {
            let msg = e.to_string();
            if !msg.is_empty() {
                eprintln!("fxsnap: {msg}");
            }
            e.exit_code()
        }
    };
    std::process::exit(code);
}
