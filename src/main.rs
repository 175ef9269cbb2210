//! The binary: parse arguments, run, map the outcome to an exit code.

use clap::{CommandFactory, FromArgMatches};

use fxsnap::error::exit;

fn main() {
    ignore_file_size_signal();
    let matches = fxsnap::cli::Cli::command().get_matches();
    let cli = fxsnap::cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let invocation = fxsnap::config::Invocation::of(&cli, &matches);
    let code = match fxsnap::run_with(cli, invocation) {
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

/// Past a file-size limit (`ulimit -f`) the kernel would kill fxsnap with
/// SIGXFSZ; ignored, the write fails with EFBIG instead and the input is
/// reported like a full disk, with its transaction rolled back.
fn ignore_file_size_signal() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to SIG_IGN at start-up, before
    // any thread exists, has no preconditions.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}
