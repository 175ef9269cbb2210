//! `fxsnap completions SHELL` (clap_complete) and `fxsnap man` (clap_mangen),
//! both generated from the clap definitions in `cli.rs`.
//!
//! Both are rendered into memory first and then written with the usual error
//! handling, so a closed pipe (`fxsnap man | head`) ends quietly instead of
//! panicking inside a generator.

use std::io::Write;

use clap::CommandFactory;
use clap_mangen::roff::{roman, Roff};
use clap_mangen::Man;

use crate::cli::Cli;
use crate::error::{Error, Result};

const BIN: &str = "fxsnap";

/// The completion script for `shell`.
pub fn script(shell: clap_complete::Shell) -> Vec<u8> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, BIN, &mut buf);
    buf
}

pub fn completions(shell: clap_complete::Shell) -> Result<()> {
    write_stdout(&script(shell))
}

/// One man page, fxsnap(1): the top level (name, synopsis, description,
/// global options), then a COMMANDS section with each subcommand's synopsis,
/// description, options and examples.
pub fn page() -> Result<Vec<u8>> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let man = Man::new(cmd.clone());
    let mut buf = Vec::new();
    let io = |e| Error::io("man page", e);
    man.render_title(&mut buf).map_err(io)?;
    man.render_name_section(&mut buf).map_err(io)?;
    man.render_synopsis_section(&mut buf).map_err(io)?;
    man.render_description_section(&mut buf).map_err(io)?;
    man.render_options_section(&mut buf).map_err(io)?;

    let mut heading = Roff::default();
    heading.control("SH", ["COMMANDS"]);
    heading.to_writer(&mut buf).map_err(io)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("{BIN} {}", sub.get_name());
        let mut roff = Roff::default();
        roff.control("SS", [name.as_str()]);
        roff.to_writer(&mut buf).map_err(io)?;
        let sub_man = Man::new(sub.clone());
        // The subcommand's own sections, their .SH headings turned into
        // paragraphs with a bold label, so they nest under the .SS heading.
        let mut parts: Vec<(&str, Vec<u8>)> = Vec::new();
        let mut part = |label: &'static str, f: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| -> Result<()> {
            let mut b = Vec::new();
            f(&mut b).map_err(io)?;
            parts.push((label, b));
            Ok(())
        };
        part("", &|b| sub_man.render_synopsis_section(b))?;
        part("", &|b| sub_man.render_description_section(b))?;
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            part("Options:", &|b| sub_man.render_options_section(b))?;
        }
        if sub.get_after_help().is_some() || sub.get_after_long_help().is_some() {
            part("", &|b| sub_man.render_extra_section(b))?;
        }
        for (label, bytes) in parts {
            let text = String::from_utf8_lossy(&bytes);
            let mut r = Roff::default();
            r.control("PP", []);
            if !label.is_empty() {
                r.text([roman(label)]);
            }
            r.to_writer(&mut buf).map_err(io)?;
            for line in text.lines() {
                // Drop the section heading (SYNOPSIS, DESCRIPTION, OPTIONS, EXTRA).
                if line.starts_with(".SH ") {
                    continue;
                }
                buf.extend_from_slice(line.as_bytes());
                buf.push(b'\n');
            }
        }
    }
    man.render_version_section(&mut buf).map_err(io)?;
    Ok(buf)
}

pub fn man() -> Result<()> {
    write_stdout(&page()?)
}

fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()?;
    Ok(())
}
