//! Writing a chart file: PNG encoding of the drawn pixels, SVG text, and the atomic write (a
//! temporary file beside the target, synced, renamed over it; stale temporaries of killed runs
//! removed).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::{ChartError, ChartOptions, ImageFormat};

/// What is written: the drawn RGB pixels or the SVG document.
pub(super) enum Payload {
    Rgb(Vec<u8>),
    Svg(String),
}

/// Writes RGB pixels as a PNG file at `path` (whose extension must be `.png`).
fn encode_png(path: &Path, width: u32, height: u32, rgb: &[u8]) -> Result<(), String> {
    let mut backend = BitMapBackend::new(path, (width, height));
    backend.blit_bitmap((0, 0), (width, height), rgb).map_err(|e| e.to_string())?;
    backend.present().map_err(|e| e.to_string())
}

/// Writes `payload` to `path` atomically: see the `chart` module documentation.
pub(super) fn write_atomically(path: &Path, format: ImageFormat, opts: &ChartOptions, payload: &Payload) -> Result<(), ChartError> {
    let tmp = temp_path(path, format);
    let result = write_payload(&tmp, path, opts, payload)
        .and_then(|()| fs::rename(&tmp, path).map_err(|source| ChartError::Write { path: path.to_path_buf(), source }));
    match result {
        Ok(()) => {
            sync_parent(path);
            remove_stale_temps(path, format);
            Ok(())
        }
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// `.NAME.tmp-PID.EXT` beside `path` (the PNG encoder picks its format from the extension).
fn temp_path(path: &Path, format: ImageFormat) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "chart".to_string());
    let ext = match format {
        ImageFormat::Png => "png",
        ImageFormat::Svg => "svg",
    };
    let tmp_name = format!(".{name}.tmp-{}.{ext}", std::process::id());
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(tmp_name),
        _ => PathBuf::from(tmp_name),
    }
}

/// Removes the temporary files of earlier runs that were killed before they
/// could (`.NAME.tmp-PID.EXT` whose process is gone), so a cron job's chart
/// folder does not collect them. Only where `/proc` tells which processes
/// live; best effort, errors ignored.
fn remove_stale_temps(path: &Path, format: ImageFormat) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else { return };
    let ext = match format {
        ImageFormat::Png => "png",
        ImageFormat::Svg => "svg",
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let prefix = format!(".{name}.tmp-");
    let suffix = format!(".{ext}");
    let Ok(entries) = fs::read_dir(&dir) else { return };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = file.strip_prefix(&prefix).and_then(|r| r.strip_suffix(&suffix)) else { continue };
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn write_payload(tmp: &Path, target: &Path, opts: &ChartOptions, payload: &Payload) -> Result<(), ChartError> {
    let io_err = |source| ChartError::Write { path: target.to_path_buf(), source };
    match payload {
        Payload::Rgb(rgb) => {
            encode_png(tmp, opts.width, opts.height, rgb).map_err(|message| ChartError::Encode { path: target.to_path_buf(), message })?;
            let f = fs::OpenOptions::new().write(true).open(tmp).map_err(io_err)?;
            f.sync_all().map_err(io_err)?;
        }
        Payload::Svg(svg) => {
            let mut f = fs::OpenOptions::new().write(true).create(true).truncate(true).open(tmp).map_err(io_err)?;
            f.write_all(svg.as_bytes()).map_err(io_err)?;
            f.sync_all().map_err(io_err)?;
        }
    }
    Ok(())
}

/// Best effort: make the rename durable too.
fn sync_parent(path: &Path) {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}
